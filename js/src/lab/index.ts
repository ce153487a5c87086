// The JupyterLab extension: the "VecStore" side panel and its commands. The MIME renderer is
// the package's mimeExtension (lab/mime.ts).
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, InputDialog, Notification } from "@jupyterlab/apputils";
import { INotebookTracker, NotebookActions, type NotebookPanel } from "@jupyterlab/notebook";
import { LabIcon } from "@jupyterlab/ui-components";
import { notebookCell } from "./cell";
import { VecStorePanel } from "./panel";

const CATEGORY = "VecStore";
const COMMANDS = {
  open: "vecstore-lab:open-panel",
  query: "vecstore-lab:query-collection",
  refresh: "vecstore-lab:refresh",
};

// Three stacked vectors: the panel's tab icon, drawn in the theme's icon colour.
const icon = new LabIcon({
  name: "vecstore-lab:icon",
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161"><rect x="3" y="4" width="18" height="4" rx="1"/><rect x="3" y="10" width="13" height="4" rx="1"/><rect x="3" y="16" width="8" height="4" rx="1"/></g></svg>`,
});

/** Insert `code(notebookPath)` below the active cell of the current notebook (a new notebook
 * when none is open) and run it. */
async function openInNotebook(app: JupyterFrontEnd, tracker: INotebookTracker, code: (notebookPath: string) => string): Promise<void> {
  let panel: NotebookPanel | null = tracker.currentWidget;
  let fresh = false;
  if (!panel) {
    panel = (await app.commands.execute("notebook:create-new", { kernelName: "python3" })) as NotebookPanel;
    fresh = true;
  }
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  const notebook = panel.content;
  if (fresh) {
    notebook.activeCellIndex = 0;
  } else {
    NotebookActions.insertBelow(notebook);
  }
  const cell = notebook.activeCell;
  if (!cell) return;
  NotebookActions.changeCellType(notebook, "code");
  notebook.activeCell?.model.sharedModel.setSource(code(panel.context.path));
  await NotebookActions.run(notebook, panel.sessionContext);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "vecstore-lab:panel",
  description: "A side panel for the collections under the server's roots (vecstore_lab.server).",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
  ) => {
    const panel = new VecStorePanel((db, info, query, mode, k) =>
      openInNotebook(app, tracker, (path) => notebookCell(db, info, query, mode, k, path)));
    panel.title.icon = icon;
    app.shell.add(panel, "left", { rank: 850 });
    restorer?.add(panel, panel.id);
    app.commands.addCommand(COMMANDS.open, {
      label: "VecStore: Open panel",
      caption: "Show the VecStore side panel",
      icon,
      execute: async () => {
        app.shell.activateById(panel.id);
        await panel.ensureLoaded();
      },
    });
    app.commands.addCommand(COMMANDS.refresh, {
      label: "VecStore: Refresh collections",
      execute: () => panel.refresh(),
    });
    app.commands.addCommand(COMMANDS.query, {
      label: "VecStore: Query collection…",
      caption: "Pick a collection and run a quick query on it",
      execute: async () => {
        app.shell.activateById(panel.id);
        await panel.refresh();
        const choices = panel.collections();
        if (!choices.length) {
          // Say why nothing can be picked, and where to point the server (the panel shows how).
          Notification.warning(panel.emptyMessage(), { autoClose: 8000 });
          return;
        }
        const picked = await InputDialog.getItem({ title: "Query collection", items: choices.map((c) => c.label) });
        const choice = picked.button.accept ? choices.find((c) => c.label === picked.value) : undefined;
        if (!choice) return;
        await panel.select(choice.target);
        panel.focusQuery();
      },
    });
    for (const command of Object.values(COMMANDS)) palette?.addItem({ command, category: CATEGORY });
  },
};

export default plugin;
