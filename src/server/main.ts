// Entry of the traceback language server bundle (dist/server.js). The transport comes from the
// command line, as vscode-languageclient passes it: `--stdio`, `--node-ipc`, `--pipe=` or
// `--socket=`.
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startTracebackServer } from './server.js';

const connection = createConnection(ProposedFeatures.all);
// A failed promise must not end the server: report it and keep serving.
process.on('unhandledRejection', (e) => connection.console.error(`go-traceback server: ${String(e)}`));
startTracebackServer(connection);
