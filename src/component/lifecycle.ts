/**
 * The start/shutdown contract in one place: start runs once; shutdown is a
 * no-op before start, waits for a start in progress, and runs once however
 * often it is called.
 */
export class Lifecycle {
  private state: 'new' | 'started' | 'stopped' = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  get running(): boolean {
    return this.state === 'started' && this.stopping === undefined;
  }

  start(fn: () => Promise<void> | void): Promise<void> {
    if (this.starting !== undefined) return this.starting;
    if (this.state === 'stopped') return Promise.reject(new Error('component was shut down; it cannot start again'));
    this.starting = (async () => {
      await fn();
      this.state = 'started';
    })();
    return this.starting;
  }

  shutdown(fn: () => Promise<void> | void): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopping = (async () => {
      if (this.starting !== undefined) await this.starting.catch(() => undefined);
      const wasStarted = this.starting !== undefined;
      this.state = 'stopped';
      if (wasStarted) await fn();
    })();
    return this.stopping;
  }
}
