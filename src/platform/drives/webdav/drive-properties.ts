// A drive entry's WebDAV properties: the live ones come from the entry itself (size, strong ETag, modified, kind) and the
// drive (quota, RFC 4331); dead ones (PROPPATCH) are kept by the drive service per entry, each value the XML nephele
// parsed, as JSON. A PROPPATCH is all or nothing: one refused instruction and nothing is stored.
import { createHash } from 'node:crypto';
import { PropertyIsProtectedError, PropertyNotFoundError, type Properties, type User } from 'nephele';
import type { DriveResource } from './drive-resource.ts';

type PropertyValue = string | object | object[];
type Instruction = ['set' | 'remove', string, unknown];

/** Live properties every entry answers (DAV: namespace), all protected. */
const LIVE = ['getcontentlength', 'getcontenttype', 'getetag', 'getlastmodified', 'resourcetype', 'supportedlock'] as const;
/** Live, protected, but only answered when asked for by name (RFC 4331: not part of allprop). */
const QUOTA = ['quota-available-bytes', 'quota-used-bytes'] as const;
/** Protected though not stored here: nephele answers lockdiscovery; creationdate is not kept by the drive. */
const PROTECTED = new Set<string>([...LIVE, ...QUOTA, 'lockdiscovery', 'creationdate']);

/** The largest dead property value, as JSON: a drive keeps notes about files, not files in properties. */
export const DEAD_PROPERTY_MAX_CHARS = 64 * 1024;

/**
 * A dead property's value as nephele should render it: declaring a prefix of its own for its namespace. nephele names
 * an element by its local name when the request gave its namespace no prefix, so two properties of one name in two
 * namespaces ("{urn:a}status" and "{urn:b}status") would collide and only one be answered; a prefix declared on the
 * value is the one nephele then uses (`ns` and a digest of the namespace: the same for a namespace everywhere).
 */
function withOwnPrefix(name: string, value: PropertyValue): PropertyValue {
  const split = name.indexOf('%%');
  // In no namespace (xmlns=""), a prefix cannot be declared: there is nothing for two such names to collide with.
  if (split <= 0) return value;
  const namespace = name.slice(0, split);
  const declaration = { [`xmlns:ns${createHash('sha256').update(namespace).digest('hex').slice(0, 12)}`]: namespace };
  const declare = (one: unknown): object => {
    if (typeof one === 'object' && one !== null && !Array.isArray(one)) {
      const element = one as { $?: Record<string, string> };
      return { ...element, $: { ...(element.$ ?? {}), ...declaration } };
    }
    return { $: declaration, _: typeof one === 'string' ? one : String(one) };
  };
  return Array.isArray(value) ? value.map(declare) : declare(value);
}

export class DriveProperties implements Properties {
  resource: DriveResource;

  constructor(resource: DriveResource) {
    this.resource = resource;
  }

  async get(name: string): Promise<PropertyValue> {
    const live = await this.live(name);
    if (live !== undefined) return live;
    if (PROTECTED.has(name)) throw new PropertyNotFoundError(`The ${name} property is not kept for this entry.`);
    const dead = await this.resource.deadProperties();
    if (!Object.hasOwn(dead, name)) throw new PropertyNotFoundError(`The ${name.replace('%%', '')} property is not set on this entry.`);
    return withOwnPrefix(name, dead[name]);
  }

  async getByUser(name: string, _user: User): Promise<PropertyValue> {
    return this.get(name);
  }

  async set(name: string, value: unknown): Promise<void> {
    await this.runOne(['set', name, value]);
  }

  async setByUser(name: string, value: unknown, _user: User): Promise<void> {
    await this.runOne(['set', name, value]);
  }

  async remove(name: string): Promise<void> {
    await this.runOne(['remove', name, undefined]);
  }

  async removeByUser(name: string, _user: User): Promise<void> {
    await this.runOne(['remove', name, undefined]);
  }

  async runInstructions(instructions: Instruction[]): Promise<undefined | [string, Error][]> {
    const errors: [string, Error][] = [];
    const changes: Array<{ name: string; value: string | null }> = [];
    for (const [action, name, value] of instructions) {
      if (PROTECTED.has(name)) {
        errors.push([name, new PropertyIsProtectedError(`${name} is a protected property: the drive sets it.`)]);
        continue;
      }
      if (action === 'remove') {
        changes.push({ name, value: null });
        continue;
      }
      const json = JSON.stringify(value ?? '');
      if (json.length > DEAD_PROPERTY_MAX_CHARS) {
        errors.push([
          name,
          new PropertyIsProtectedError(`The value of ${name.replace('%%', '')} is longer than ${DEAD_PROPERTY_MAX_CHARS} characters.`),
        ]);
        continue;
      }
      changes.push({ name, value: json });
    }
    if (errors.length > 0) return errors;
    if (changes.length > 0) await this.resource.setDeadProperties(changes);
    return undefined;
  }

  async runInstructionsByUser(instructions: Instruction[], _user: User): Promise<undefined | [string, Error][]> {
    return this.runInstructions(instructions);
  }

  async getAll(): Promise<Record<string, PropertyValue>> {
    const all: Record<string, PropertyValue> = {};
    for (const [name, value] of Object.entries(await this.resource.deadProperties())) all[name] = withOwnPrefix(name, value);
    for (const name of LIVE) {
      const value = await this.live(name);
      if (value !== undefined) all[name] = value;
    }
    return all;
  }

  async getAllByUser(_user: User): Promise<Record<string, PropertyValue>> {
    return this.getAll();
  }

  async list(): Promise<string[]> {
    return [...(await this.listLive()), ...(await this.listDead())];
  }

  async listByUser(_user: User): Promise<string[]> {
    return this.list();
  }

  async listLive(): Promise<string[]> {
    const names: string[] = [];
    for (const name of [...LIVE, ...QUOTA]) if ((await this.live(name)) !== undefined) names.push(name);
    return names;
  }

  async listLiveByUser(_user: User): Promise<string[]> {
    return this.listLive();
  }

  async listDead(): Promise<string[]> {
    return Object.keys(await this.resource.deadProperties());
  }

  async listDeadByUser(_user: User): Promise<string[]> {
    return this.listDead();
  }

  /** A live property's value, or undefined when this entry has none of that name. */
  private async live(name: string): Promise<PropertyValue | undefined> {
    const resource = this.resource;
    const folder = await resource.isCollection();
    switch (name) {
      case 'getcontentlength':
        return folder ? undefined : String(await resource.getLength());
      case 'getcontenttype':
        return (await resource.getMediaType()) ?? undefined;
      case 'getetag':
        // The strong ETag as HTTP sends it, quotes included (RFC 4918 §15.6); folders have none.
        return folder ? undefined : `"${await resource.getEtag()}"`;
      case 'getlastmodified':
        return resource.lastModified().toUTCString();
      case 'resourcetype':
        return folder ? { collection: {} } : {};
      case 'supportedlock':
        return {
          lockentry: [
            { lockscope: { exclusive: {} }, locktype: { write: {} } },
            { lockscope: { shared: {} }, locktype: { write: {} } },
          ],
        };
      case 'quota-available-bytes':
      case 'quota-used-bytes': {
        const drive = resource.adapter.context.drive;
        if (!folder || drive === null) return undefined;
        return String(name === 'quota-used-bytes' ? drive.usedBytes : Math.max(0, drive.quotaBytes - drive.usedBytes));
      }
      default:
        return undefined;
    }
  }

  private async runOne(instruction: Instruction): Promise<void> {
    const errors = await this.runInstructions([instruction]);
    if (errors !== undefined && errors.length > 0) throw errors[0][1];
  }
}
