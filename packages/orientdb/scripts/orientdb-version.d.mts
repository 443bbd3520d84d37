export declare const ORIENTDB_VERSION: string;
