export declare function vitestReporters(name: string): {
  reporters: string[];
  outputFile: { json: string };
};
