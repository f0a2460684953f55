// The `failCommand` fail point of mongod's test commands (configureFailPoint), as far as the spec's
// unified CSFLE files use it (timeoutMS.json): which commands, how many times, blocking the
// connection, an error code, a closed connection. Test-only: README.md here lists what it covers.
import type { Document } from 'bson';

/** What a matching command gets: a wait before running, then an error, a closed socket, or the normal reply. */
export interface FailAction { readonly blockMS: number; readonly errorCode?: number; readonly closeConnection: boolean }

const DATA_FIELDS = new Set(['failCommands', 'blockConnection', 'blockTimeMS', 'errorCode', 'closeConnection']);

function num(v: unknown): number {
  return Number((v as { valueOf(): unknown }).valueOf());
}

/** The server's one `failCommand` fail point (mongod has one per name; the unified files use only this one). */
export class FailCommand {
  #remaining = 0; // Infinity for alwaysOn
  #commands = new Set<string>();
  #action: FailAction = { blockMS: 0, closeConnection: false };

  /**
   * Applies a `configureFailPoint` command body; throws an Error (the server answers ok: 0) for
   * a fail point, mode or data field it does not emulate, so a test needing more fails loudly.
   */
  configure(body: Document): void {
    if (body.configureFailPoint !== 'failCommand') throw new Error(`test server: only the 'failCommand' fail point is emulated, got '${String(body.configureFailPoint)}'`);
    const mode = body.mode as unknown;
    if (mode === 'off') { this.#remaining = 0; return; }
    let times: number;
    if (mode === 'alwaysOn') times = Infinity;
    else if (typeof mode === 'object' && mode !== null && Object.keys(mode).length === 1 && 'times' in mode) times = num((mode as Document).times);
    else throw new Error(`test server: fail point mode ${JSON.stringify(mode)} is not emulated (use 'off', 'alwaysOn' or {times: n})`);
    const data = (body.data ?? {}) as Document;
    for (const k of Object.keys(data)) if (!DATA_FIELDS.has(k)) throw new Error(`test server: failCommand data.${k} is not emulated`);
    if (!Array.isArray(data.failCommands) || data.failCommands.length === 0) throw new Error('test server: failCommand needs data.failCommands, a non-empty array of command names');
    this.#commands = new Set(data.failCommands.map(String));
    this.#action = {
      blockMS: data.blockConnection === true ? num(data.blockTimeMS ?? 0) : 0,
      ...(data.errorCode !== undefined ? { errorCode: num(data.errorCode) } : {}),
      closeConnection: data.closeConnection === true,
    };
    this.#remaining = times;
  }

  /** The action for one received command named `name`, counting it against `times`; undefined when it does not match. */
  take(name: string): FailAction | undefined {
    if (this.#remaining <= 0 || !this.#commands.has(name)) return undefined;
    this.#remaining--;
    return this.#action;
  }
}
