/** Where a command writes: the process's stdout and stderr, or what a test collects. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}
