// The SQL editor: CodeMirror 6 with SQL highlighting, completion of the project's tables and columns (its local ones,
// or in a platform query its relations and treated columns) and SQL keywords, and an engine's error marked where it
// points. One view serves every editor tab: each tab keeps its own editor state
// (text, selection, undo history) and the view swaps them. Its one generated <style> carries the page's nonce.
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { autocompletion, closeCompletion, completionStatus, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap, setDiagnostics } from '@codemirror/lint';
import { Compartment, EditorState, Prec, type Extension } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { bareColumnOptions, schemaNamespace, type CompletionTable } from './completion.ts';
import { runTarget, statementAt, type RunTarget } from './statements.ts';

export interface SqlEditorHandle {
  /** Puts text at the cursor of the active tab (replacing a selection), as if typed. */
  insertAtCursor(text: string): void;
  focus(): void;
  /** What Ctrl+Enter (statement) or Ctrl+Shift+Enter (all) would run in the active tab now. */
  runTarget(scope: 'statement' | 'all'): RunTarget | null;
  /** Marks an error in the active tab (or clears the mark); `source` names who found it (default DuckDB). */
  markError(mark: { from: number; to: number; message: string; source?: string } | null): void;
}

export interface EditorTabText {
  id: string;
  sql: string;
}

const DEFAULT_PLACEHOLDER = 'SELECT … FROM a table on the left';

// Gutter and placeholder colours chosen for AA contrast (CodeMirror's defaults are lighter).
const enclaveTheme = EditorView.theme({
  '&': { height: '100%' },
  '.cm-scroller': { overflow: 'auto' },
  '.cm-gutters': { backgroundColor: '#f0f4f5', color: '#4c6272', borderRight: '1px solid #d8dde0' },
  '.cm-placeholder': { color: '#4c6272' },
  '.cm-activeLine': { backgroundColor: '#f3f8fc' },
  '.cm-activeLineGutter': { backgroundColor: '#e8f1fa' },
  '.cm-lintRange-error': { backgroundColor: '#fbe9e7' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: '#005eb8', color: '#ffffff' },
  '.cm-completionDetail': { color: '#4c6272', fontStyle: 'normal', marginLeft: '0.75em' },
  '.cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail': { color: '#ffffff' },
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

interface Callbacks {
  onChange: (tabId: string, text: string) => void;
  onBlur: (tabId: string) => void;
  onRun: (scope: 'statement' | 'all') => void;
  /** Escape: cancels the running query; false when nothing was running (Escape then does what it otherwise would). */
  onCancel: () => boolean;
}

export interface SqlEditorProps extends Callbacks {
  nonce: string | undefined;
  /** Every open tab's saved text: a tab's text is read from here the first time it is shown. */
  tabs: readonly EditorTabText[];
  activeTabId: string | null;
  /** What completion offers: the project's local tables, or its platform relations. */
  schema: readonly CompletionTable[];
  /** What an empty tab says. */
  placeholder?: string;
  label: string;
  describedBy: string;
  ref?: Ref<SqlEditorHandle>;
}

export function SqlEditor(props: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const states = useRef(new Map<string, EditorState>());
  const shownTab = useRef<string | null>(null);
  const schemaCompartment = useRef(new Compartment());
  const labelCompartment = useRef(new Compartment());
  const placeholderCompartment = useRef(new Compartment());
  // Built once; they call whatever callbacks and schema are current.
  const callbacks = useRef<Callbacks>(props);
  callbacks.current = props;
  const schema = useRef(props.schema);
  schema.current = props.schema;
  const placeholderText = useRef(props.placeholder ?? DEFAULT_PLACEHOLDER);
  placeholderText.current = props.placeholder ?? DEFAULT_PLACEHOLDER;

  const languageFor = (tables: readonly CompletionTable[]): Extension =>
    sql({ dialect: PostgreSQL, schema: schemaNamespace(tables), upperCaseKeywords: true });

  // tabindex: the editor scrolls, and a scrolling region needs something in it the keyboard reaches (axe counts a
  // contenteditable only with a tabindex).
  const contentAttributes = (label: string): Extension =>
    EditorView.contentAttributes.of({
      'aria-label': label,
      'aria-describedby': props.describedBy,
      'data-testid': 'sql-editor',
      tabindex: '0',
    });

  /** Every state carries the page's nonce: CodeMirror mounts its styles from whichever state the view holds. */
  const nonce = (): Extension => (props.nonce ? EditorView.cspNonce.of(props.nonce) : []);

  const bareColumns = (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/[\p{L}\p{N}_]+/u);
    if (!word && !context.explicit) return null;
    const before = context.state.sliceDoc(Math.max(0, (word?.from ?? context.pos) - 1), word?.from ?? context.pos);
    if (before === '.') return null; // "table." is lang-sql's
    const doc = context.state.doc.toString();
    const statement = statementAt(doc, context.pos);
    const options = bareColumnOptions(statement?.sql ?? doc, schema.current);
    return options.length === 0 ? null : { from: word?.from ?? context.pos, options, validFor: /^[\p{L}\p{N}_]*$/u };
  };

  /** What the view shows with no tab open: nothing, and nothing to type into. */
  const emptyState = (): EditorState =>
    EditorState.create({ doc: '', extensions: [nonce(), enclaveTheme, EditorState.readOnly.of(true), EditorView.editable.of(false)] });

  const createState = (tabId: string, text: string): EditorState =>
    EditorState.create({
      doc: text,
      extensions: [
        nonce(),
        typeOverSelection,
        Prec.highest(
          keymap.of([
            { key: 'Mod-Enter', preventDefault: true, run: () => (callbacks.current.onRun('statement'), true) },
            { key: 'Mod-Shift-Enter', preventDefault: true, run: () => (callbacks.current.onRun('all'), true) },
            // A running query is what Escape stops first (a completion list left open closes with it); with none
            // running, Escape does what it otherwise does (closes the list, or leaves the selection).
            {
              key: 'Escape',
              run: (target) => {
                if (!callbacks.current.onCancel()) return false;
                closeCompletion(target);
                return true;
              },
            },
          ]),
        ),
        lineNumbers(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        schemaCompartment.current.of(languageFor(schema.current)),
        autocompletion({ icons: false }),
        EditorState.languageData.of(() => [{ autocomplete: bareColumns }]),
        keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        placeholderCompartment.current.of(placeholder(placeholderText.current)),
        enclaveTheme,
        EditorView.lineWrapping,
        labelCompartment.current.of(contentAttributes(props.label)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && shownTab.current === tabId) callbacks.current.onChange(tabId, update.state.doc.toString());
          if (update.focusChanged && !update.view.hasFocus && shownTab.current === tabId) callbacks.current.onBlur(tabId);
          // Completions asked for while typing may arrive after the analyst moved on (clicked Run): a list over the
          // editor that nobody is typing in only hides it.
          if (completionStatus(update.state) !== null && !update.view.hasFocus) {
            const view = update.view;
            setTimeout(() => {
              if (!view.hasFocus) closeCompletion(view);
            }, 0);
          }
        }),
      ],
    });

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({ parent: host.current, state: emptyState() });
    view.current = editor;
    const kept = states.current;
    return () => {
      editor.destroy();
      view.current = null;
      kept.clear();
      shownTab.current = null;
    };
    // One view per mount; tabs and schema reach it through the effects below.
  }, []);

  // The active tab's state goes into the view; the one it replaces is kept, with its undo history.
  const { activeTabId, tabs } = props;
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const open = new Set(tabs.map((tab) => tab.id));
    for (const id of [...states.current.keys()]) if (!open.has(id)) states.current.delete(id);
    if (shownTab.current === activeTabId) return;
    if (shownTab.current !== null && open.has(shownTab.current)) states.current.set(shownTab.current, editor.state);
    const tab = tabs.find((t) => t.id === activeTabId);
    if (!tab) {
      shownTab.current = null;
      editor.setState(emptyState());
      return;
    }
    const state = states.current.get(tab.id) ?? createState(tab.id, tab.sql);
    shownTab.current = tab.id;
    editor.setState(state);
    // A kept state may know an older schema, label or placeholder.
    editor.dispatch({
      effects: [
        schemaCompartment.current.reconfigure(languageFor(schema.current)),
        labelCompartment.current.reconfigure(contentAttributes(props.label)),
        placeholderCompartment.current.reconfigure(placeholder(placeholderText.current)),
      ],
    });
    // createState reads the props of this render; the tab list and the active id are what decide.
  }, [activeTabId, tabs]);

  useEffect(() => {
    view.current?.dispatch({ effects: schemaCompartment.current.reconfigure(languageFor(props.schema)) });
  }, [props.schema]);

  useEffect(() => {
    view.current?.dispatch({ effects: labelCompartment.current.reconfigure(contentAttributes(props.label)) });
  }, [props.label]);

  useEffect(() => {
    if (shownTab.current === null) return;
    view.current?.dispatch({ effects: placeholderCompartment.current.reconfigure(placeholder(placeholderText.current)) });
  }, [props.placeholder]);

  useImperativeHandle(props.ref, () => ({
    insertAtCursor(text) {
      const editor = view.current;
      if (!editor || shownTab.current === null) return;
      editor.dispatch(editor.state.replaceSelection(text), { userEvent: 'input', scrollIntoView: true });
    },
    focus: () => view.current?.focus(),
    runTarget(scope) {
      const editor = view.current;
      if (!editor || shownTab.current === null) return null;
      const { from, to } = editor.state.selection.main;
      return runTarget({ doc: editor.state.doc.toString(), selection: { from, to }, scope });
    },
    markError(mark) {
      const editor = view.current;
      if (!editor || shownTab.current === null) return;
      const length = editor.state.doc.length;
      const diagnostics =
        mark === null || mark.from > length
          ? []
          : [
              {
                from: mark.from,
                to: Math.min(mark.to, length),
                severity: 'error' as const,
                message: mark.message,
                source: mark.source ?? 'DuckDB',
              },
            ];
      editor.dispatch(setDiagnostics(editor.state, diagnostics));
      if (diagnostics.length > 0) editor.dispatch({ effects: EditorView.scrollIntoView(diagnostics[0].from, { y: 'center' }) });
    },
  }));

  return <div className="editor" ref={host} />;
}
