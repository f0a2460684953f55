export declare const NATIVE_VERSIONS: { mongodb: string; 'mongodb-client-encryption': string };
export declare const NATIVE_DIR: string;
export declare const LMC_PREFIX: string;
export declare function buildNativeAddon(o?: { log?: (line: string) => void; build?: boolean }): { ok: true; dir: string } | { ok: false; why: string };
