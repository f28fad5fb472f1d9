import { basicSetup } from "codemirror";
import { Compartment, Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, keymap, type DecorationSet } from "@codemirror/view";

/** Marks one line (1-based) as the error's, or clears the mark (null). */
const markLine = StateEffect.define<number | null>();

const errorLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = tr.docChanged ? Decoration.none : marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(markLine)) continue;
      const line = effect.value;
      next = line === null || line < 1 || line > tr.state.doc.lines ? Decoration.none : Decoration.set([Decoration.line({ class: "cm-error-line" }).range(tr.state.doc.line(line).from)]);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The playground's code editor: CodeMirror 6 with the language's highlighting and an error-line mark. */
export class CodeEditor {
  readonly view: EditorView;
  readonly #language = new Compartment();

  constructor(parent: HTMLElement, onRun: () => void) {
    this.view = new EditorView({
      parent,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", preventDefault: true, run: () => (onRun(), true) }])),
        basicSetup,
        this.#language.of([]),
        errorLine,
        EditorView.theme({ "&": { height: "100%" }, ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" } }),
      ],
    });
  }

  get code(): string {
    return this.view.state.doc.toString();
  }

  set code(text: string) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  setHighlighting(extension: Extension): void {
    this.view.dispatch({ effects: this.#language.reconfigure(extension) });
  }

  /** Marks the line an error names and scrolls it into view; null clears the mark. */
  markError(line: number | null): void {
    const effects: StateEffect<unknown>[] = [markLine.of(line)];
    if (line !== null && line >= 1 && line <= this.view.state.doc.lines) effects.push(EditorView.scrollIntoView(this.view.state.doc.line(line).from, { y: "center" }));
    this.view.dispatch({ effects });
  }
}
