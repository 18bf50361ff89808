// The sign-in pages' HTML: labelled fields, the exact texts the workstation and the e2e tests rely on, no
// script or inline style, and every value from a request escaped.
import { describe, expect, it } from 'vitest';
import { escapeHtml, loginPage, messagePage, PAGE_CSP, WRONG_CREDENTIALS } from '../../../src/platform/identity/embedded/pages.ts';

describe('loginPage', () => {
  const html = loginPage({ action: '/oidc/interaction/abc/login', demo: true });

  it('has the title, the labelled fields and the button', () => {
    expect(html).toContain('<title>Sign in — Enclave</title>');
    expect(html).toMatch(/<label for="username">Username<\/label>\s*<input id="username" name="username"/);
    expect(html).toMatch(/<label for="password">Password<\/label>\s*<input id="password" name="password" type="password"/);
    expect(html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);
    expect(html).toContain('<html lang="en">');
  });

  it('says why it refused in an alert', () => {
    expect(loginPage({ action: '/x', demo: true, alert: WRONG_CREDENTIALS })).toContain(
      '<p class="alert" role="alert">The username or password is wrong.</p>',
    );
  });

  it('has no script, no inline style and no event handler attributes', () => {
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('escapes what came from the request', () => {
    const hostile = loginPage({ action: '/x"><script>', username: '"><img src=x onerror=alert(1)>', demo: false, alert: '<b>' });
    expect(hostile).not.toContain('<script>');
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<b>');
  });
});

describe('the rest', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('renders a message page with an alert when asked', () => {
    expect(messagePage({ title: 'T', heading: 'H', text: 'x < y', alert: true })).toContain('<p class="alert" role="alert">x &lt; y</p>');
  });

  it('allows no inline script or style, and forms only to itself and the loopback callback', () => {
    expect(PAGE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self' http://127.0.0.1:*; frame-ancestors 'none'; base-uri 'none'",
    );
  });
});
