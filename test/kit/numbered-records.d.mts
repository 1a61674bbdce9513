export declare function makeRecord(cycle: number, seq: number): Buffer;
export declare function readRecord(b: Buffer): { cycle: number; seq: number } | undefined;
