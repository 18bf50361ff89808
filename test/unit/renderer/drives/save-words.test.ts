// Saving from Local analysis into the drive, in words and small rules (renderer/src/drives/save-words.ts): what a result
// is called and the file name it is offered, what the save says of a grid shown sorted or filtered, an SVG's file name,
// folders as typed and as a path's, where a chart goes in each kind of project, and the SVG's own title and description
// (escaped, so no text of a chart can add markup to the file).
import { describe, expect, it } from 'vitest';
import { EMPTY_VIEW, type GridView } from '../../../../renderer/src/analysis/page-cache.ts';
import {
  chartSaveHint,
  cleanFolder,
  fileStemFor,
  folderOf,
  resultSubject,
  svgFileName,
  svgWithText,
  wholeResultNote,
} from '../../../../renderer/src/drives/save-words.ts';

describe('what a result is called when it is saved', () => {
  it('names the result by its tab, a platform query’s by its local table, and a tab without a name plainly', () => {
    expect(resultSubject({ tabTitle: 'Admissions by region' })).toEqual({
      label: 'the result of Admissions by region',
      name: 'Admissions by region',
    });
    expect(resultSubject({ title: 'Table cases_2021', tabTitle: 'Platform query' })).toEqual({
      label: 'the table cases_2021',
      name: 'cases_2021',
    });
    expect(resultSubject({ tabTitle: '   ' })).toEqual({ label: 'the result', name: 'result' });
    expect(resultSubject({ tabTitle: null })).toEqual({ label: 'the result', name: 'result' });
  });
});

describe('what the save takes of a result', () => {
  const sorted: GridView = { sort: [{ column: 'cases', descending: true }], filters: [] };
  const filtered: GridView = { sort: [], filters: [{ column: 'region', op: '=', value: 'York' }] };
  const both: GridView = { sort: sorted.sort, filters: filtered.filters };

  it('is every row as the query returned them', () => {
    expect(wholeResultNote(1204, undefined)).toBe('Saves all 1,204 rows of the result, as the query returned them.');
    expect(wholeResultNote(1, EMPTY_VIEW)).toBe('Saves all 1 row of the result, as the query returned them.');
  });

  it('says so when the grid shows the result sorted or filtered, and how to save what it shows', () => {
    expect(wholeResultNote(3, sorted)).toBe(
      'Saves all 3 rows of the result, as the query returned them. The grid’s sort does not apply: put it in the query (ORDER BY) to save the rows in that order.',
    );
    expect(wholeResultNote(3, filtered)).toContain('The grid’s filters do not apply: put them in the query (WHERE)');
    expect(wholeResultNote(3, both)).toContain('The grid’s sort and filters do not apply: put them in the query (ORDER BY, WHERE)');
  });
});

describe('file names', () => {
  it('makes a stem of free text: lower case, letters, digits, "-" and "_", accents dropped, never empty', () => {
    expect(fileStemFor('Bar chart: Cases by région, 2020–2022', 'chart')).toBe('bar_chart_cases_by_region_2020_2022');
    expect(fileStemFor('../../etc/passwd', 'chart')).toBe('etc_passwd');
    expect(fileStemFor('   ', 'chart')).toBe('chart');
    expect(fileStemFor('😀', 'chart')).toBe('chart');
    expect(fileStemFor('a'.repeat(200), 'chart')).toHaveLength(80);
  });

  it('ends an SVG file’s name in .svg once, whatever its case', () => {
    expect(svgFileName('cases')).toBe('cases.svg');
    expect(svgFileName(' cases.SVG ')).toBe('cases.SVG');
    expect(svgFileName('cases.csv')).toBe('cases.csv.svg');
    expect(svgFileName('  ')).toBe('');
  });

  it('reads a folder as typed and the folder of a path', () => {
    expect(cleanFolder(' /results/2021/ ')).toBe('results/2021');
    expect(cleanFolder('')).toBe('');
    expect(folderOf('results/2021/cases.csv')).toBe('results/2021');
    expect(folderOf('cases.csv')).toBe('');
  });
});

describe('where a chart goes', () => {
  it('says a window project’s chart never touches the disk, and a disk project’s folder gets it at the next sync', () => {
    expect(chartSaveHint('memory')).toMatch(/uploaded straight to the drive: nothing of it is written to this computer’s disk\.$/);
    expect(chartSaveHint('disk')).toMatch(
      /uploaded straight to the drive; the drive’s folder on this computer gets it at the next sync\.$/,
    );
  });
});

describe('an SVG’s title and description', () => {
  const SVG = '<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="600" height="400"><g class="plot"></g></svg>';

  it('go first inside the root element, so viewers and screen readers name the image by them', () => {
    const named = svgWithText(SVG, { title: 'Bar chart: Cases by region, 3 bars.', description: 'Grouped in local DuckDB.' });
    expect(named).toBe(
      '<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="600" height="400">' +
        '<title>Bar chart: Cases by region, 3 bars.</title><desc>Grouped in local DuckDB.</desc><g class="plot"></g></svg>',
    );
  });

  it('are escaped: a title holding markup stays text, and characters XML cannot hold are dropped', () => {
    const named = svgWithText(SVG, { title: '</title><script>alert(1)</script>', description: 'A & B\u0000 <b>' });
    expect(named).not.toContain('<script>');
    expect(named).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(named).toContain('<desc>A &amp; B &lt;b&gt;</desc>');
    expect(elementNames(named)).toEqual(['svg', 'title', 'desc', 'g']);
  });

  it('leave text that is not an SVG as it was', () => {
    expect(svgWithText('not an image', { title: 't', description: 'd' })).toBe('not an image');
    expect(svgWithText('<svg/>', { title: 't', description: 'd' })).toBe('<svg/>');
  });
});

/** The names of the elements markup opens, in document order (no DOM in Node's tests). */
function elementNames(markup: string): string[] {
  return [...markup.matchAll(/<([a-z]+)[\s>/]/g)].map((match) => match[1] ?? '');
}
