/**
 * Things started in order and stopped in reverse, so a failure half-way through start-up
 * (or Ctrl-C) never leaves a server or child process behind.
 */
export class ResourceStack {
  private readonly entries: { name: string; close: () => Promise<unknown> }[] = [];
  private closing: Promise<void> | undefined;

  defer(name: string, close: () => Promise<unknown>): void {
    this.entries.push({ name, close });
  }

  /** Closes everything once; errors are reported to `onError` and do not stop the rest. */
  close(onError: (name: string, error: unknown) => void = () => undefined): Promise<void> {
    this.closing ??= (async () => {
      for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
        try {
          await entry.close();
        } catch (error) {
          onError(entry.name, error);
        }
      }
    })();
    return this.closing;
  }
}
