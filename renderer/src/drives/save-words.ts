// The words and small rules of saving from Local analysis into the drive (issue 17), kept apart from the dialogs so they
// are tested alone: what a result is called and the name its file is offered, what a save takes of a result the grid
// shows sorted or filtered, a chart's SVG file name, the folder a saved file landed in, where a chart goes in each kind
// of project, and the SVG's own title and description (the chart's caption and notes travel with the file).
import type { LocalMode } from '../../../src/common/local-engine.ts';
import type { GridView } from '../analysis/page-cache.ts';
import { formatRows } from '../shell/format.ts';

/** What the save calls a result ("the result of Admissions by region"), and the stem its file is offered. */
export function resultSubject(options: { title?: string; tabTitle?: string | null }): { label: string; name: string } {
  // A platform query's result, shown as the local table it became ("Table cases_2021").
  const table = /^Table (.+)$/.exec(options.title ?? '')?.[1];
  if (table !== undefined) return { label: `the table ${table}`, name: table };
  const tab = options.tabTitle?.trim() ?? '';
  if (tab !== '') return { label: `the result of ${tab}`, name: tab };
  return { label: 'the result', name: 'result' };
}

/** What the save takes: every row as the query returned them, whatever the grid shows. */
export function wholeResultNote(rows: number, view: GridView | undefined): string {
  const whole = `Saves all ${formatRows(rows)} of the result, as the query returned them.`;
  const sorted = view !== undefined && view.sort.length > 0;
  const filtered = view !== undefined && view.filters.length > 0;
  if (sorted && filtered)
    return `${whole} The grid’s sort and filters do not apply: put them in the query (ORDER BY, WHERE) to save what the grid shows.`;
  if (sorted) return `${whole} The grid’s sort does not apply: put it in the query (ORDER BY) to save the rows in that order.`;
  if (filtered) return `${whole} The grid’s filters do not apply: put them in the query (WHERE) to save only the rows the grid shows.`;
  return whole;
}

/** A file stem from free text: lower case, letters, digits, "-" and "_" only; the fallback when nothing is left. */
export function fileStemFor(text: string, fallback: string): string {
  const stem = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .replace(/_{2,}/g, '_')
    .slice(0, 80)
    .replace(/[_-]+$/, '');
  return stem === '' ? fallback : stem;
}

export const SVG_EXTENSION = '.svg';

/** The name as an SVG file's: ".svg" added unless it is there already (in any case). */
export function svgFileName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return '';
  return trimmed.toLowerCase().endsWith(SVG_EXTENSION) ? trimmed : `${trimmed}${SVG_EXTENSION}`;
}

/** A drive folder as typed: no slashes at either end ('' is the drive's top folder). */
export function cleanFolder(folder: string): string {
  return folder.trim().replace(/^\/+|\/+$/g, '');
}

/** The folder a drive path is in ('' for the top folder). */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Where a chart goes, in the project's kind of local data. */
export function chartSaveHint(mode: LocalMode | null): string {
  const image = 'The chart as drawn, as an SVG image (its caption and notes inside it), is uploaded straight to the drive';
  return mode === 'memory'
    ? `${image}: nothing of it is written to this computer’s disk.`
    : `${image}; the drive’s folder on this computer gets it at the next sync.`;
}

// eslint-disable-next-line no-control-regex -- exactly the characters XML 1.0 forbids
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function xmlText(text: string): string {
  return text.replace(NOT_XML, '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The SVG with a <title> and a <desc> as its first children (what an SVG viewer and a screen reader name it by), so the
 * file says what it shows and how it was made. An SVG whose root element is not found is answered unchanged.
 */
export function svgWithText(svg: string, text: { title: string; description: string }): string {
  const root = /<svg\b[^>]*>/.exec(svg);
  if (root === null || root[0].endsWith('/>')) return svg;
  const end = root.index + root[0].length;
  const inserted = `<title>${xmlText(text.title)}</title><desc>${xmlText(text.description)}</desc>`;
  return `${svg.slice(0, end)}${inserted}${svg.slice(end)}`;
}
