// The local SQL editor: CodeMirror 6 with SQL highlighting. Its one generated <style> carries the page's nonce.
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { PostgreSQL, sql } from '@codemirror/lang-sql';

export interface SqlEditorHandle {
  getText(): string;
  setText(text: string): void;
  focus(): void;
}

// Gutter and placeholder colours chosen for AA contrast (CodeMirror's defaults are lighter).
const enclaveTheme = EditorView.theme({
  '.cm-gutters': { backgroundColor: '#f0f4f5', color: '#4c6272', borderRight: '1px solid #d8dde0' },
  '.cm-placeholder': { color: '#4c6272' },
  '.cm-activeLine': { backgroundColor: '#f3f8fc' },
  '.cm-activeLineGutter': { backgroundColor: '#e8f1fa' },
});

/**
 * Typing over a selection lets Chromium's contenteditable re-create the deleted text's look as an inline
 * `style` attribute, which our CSP (no 'unsafe-inline' styles) blocks and reports. Doing that edit ourselves,
 * before the browser touches the DOM, avoids it; IME composition is left to CodeMirror.
 */
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== 'insertText' || !event.data || event.isComposing || view.composing) return false;
    if (view.state.selection.ranges.every((range) => range.empty)) return false;
    event.preventDefault();
    view.dispatch(view.state.update(view.state.replaceSelection(event.data), { userEvent: 'input.type', scrollIntoView: true }));
    return true;
  },
});

export function SqlEditor(props: {
  nonce: string | undefined;
  initialText: string;
  describedBy: string;
  onRun: () => void;
  ref?: Ref<SqlEditorHandle>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The keymap is built once; it calls whatever onRun is current.
  const onRun = useRef(props.onRun);
  onRun.current = props.onRun;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.initialText,
        extensions: [
          props.nonce ? EditorView.cspNonce.of(props.nonce) : [],
          typeOverSelection,
          Prec.highest(keymap.of([{ key: 'Mod-Enter', preventDefault: true, run: () => (onRun.current(), true) }])),
          lineNumbers(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          sql({ dialect: PostgreSQL }),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          placeholder('SELECT … FROM patients_sample'),
          enclaveTheme,
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({
            'aria-label': 'SQL query for local DuckDB',
            'aria-describedby': props.describedBy,
            'data-testid': 'sql-editor',
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Created once per mount; later text changes go through the handle.
  }, []);

  useImperativeHandle(props.ref, () => ({
    getText: () => view.current?.state.doc.toString() ?? '',
    setText(text: string) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: { anchor: text.length } });
    },
    focus: () => view.current?.focus(),
  }));

  return <div className="editor" ref={host} />;
}
