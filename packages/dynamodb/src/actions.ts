// Attribute actions (Python identifiers.CryptoAction, encrypted/__init__.py AttributeActions):
// a default plus per-attribute overrides; index keys are never encrypted.
import { DynamoDbEncryptionError } from './errors.js';

/** What happens to one attribute. */
export const CryptoAction = {
  /** Stored encrypted ({B}) and covered by the signature. */
  ENCRYPT_AND_SIGN: 'ENCRYPT_AND_SIGN',
  /** Stored as is, covered by the signature. */
  SIGN_ONLY: 'SIGN_ONLY',
  /** Stored as is, not signed. */
  DO_NOTHING: 'DO_NOTHING',
} as const;
/** One of the three {@link CryptoAction} values. */
export type CryptoAction = (typeof CryptoAction)[keyof typeof CryptoAction];

// Python orders the actions DO_NOTHING < SIGN_ONLY < ENCRYPT_AND_SIGN and gives an index key
// min(action, SIGN_ONLY).
const RANK: Record<CryptoAction, number> = { DO_NOTHING: 0, SIGN_ONLY: 1, ENCRYPT_AND_SIGN: 2 };

function checkAction(a: unknown, where: string): CryptoAction {
  if (typeof a === 'string' && a in RANK) return a as CryptoAction;
  throw new DynamoDbEncryptionError('DDB_BAD_ACTIONS', `${where}: an attribute action must be ENCRYPT_AND_SIGN, SIGN_ONLY or DO_NOTHING`);
}

/** Options of {@link AttributeActions}. */
export interface AttributeActionsOptions {
  /** Action for attributes without an override (default ENCRYPT_AND_SIGN). */
  readonly defaultAction?: CryptoAction;
  /** Per-attribute overrides. */
  readonly attributeActions?: { readonly [name: string]: CryptoAction };
}

/** The action for every attribute of an item: a default and per-attribute overrides. Immutable. */
export class AttributeActions {
  readonly defaultAction: CryptoAction;
  readonly attributeActions: ReadonlyMap<string, CryptoAction>;

  constructor(options: AttributeActionsOptions = {}) {
    this.defaultAction = checkAction(options.defaultAction ?? CryptoAction.ENCRYPT_AND_SIGN, 'defaultAction');
    const m = new Map<string, CryptoAction>();
    for (const [name, a] of Object.entries(options.attributeActions ?? {})) m.set(name, checkAction(a, `attributeActions['${name}']`));
    this.attributeActions = m;
  }

  /** The action for one attribute name. */
  action(name: string): CryptoAction {
    return this.attributeActions.get(name) ?? this.defaultAction;
  }

  /** True when every action is DO_NOTHING: items pass through untouched (no desc, no signature). */
  get takeNoActions(): boolean {
    return this.defaultAction === 'DO_NOTHING' && [...this.attributeActions.values()].every((a) => a === 'DO_NOTHING');
  }

  /**
   * A copy where each index key gets min(its action, SIGN_ONLY) (Python `set_index_keys`): keys
   * are signed, never encrypted. An explicit ENCRYPT_AND_SIGN override on a key is DDB_BAD_ACTIONS.
   */
  withIndexKeys(...keys: (string | undefined)[]): AttributeActions {
    const overrides: Record<string, CryptoAction> = Object.fromEntries(this.attributeActions);
    for (const key of keys) {
      if (key === undefined) continue;
      const explicit = this.attributeActions.get(key);
      if (explicit === 'ENCRYPT_AND_SIGN') {
        throw new DynamoDbEncryptionError('DDB_BAD_ACTIONS', `attribute '${key}' is a partition or sort key and cannot be ENCRYPT_AND_SIGN; use SIGN_ONLY or DO_NOTHING`);
      }
      const current = this.action(key);
      Object.defineProperty(overrides, key, { value: RANK[current] < RANK.SIGN_ONLY ? current : 'SIGN_ONLY', enumerable: true, writable: true, configurable: true });
    }
    return new AttributeActions({ defaultAction: this.defaultAction, attributeActions: overrides });
  }
}
