/**
 * Which models are loaded "in memory". A request for a model that is not loaded waits `loadMs` first
 * (concurrent requests share one load). After its last request a model stays loaded for that request's
 * keep_alive (default 5m; negative = forever; 0 = unloaded right after the reply).
 */
import { abortableWait } from './abortable-sleep.ts';

export const defaultKeepAliveMilliseconds = 5 * 60_000;

interface ResidentModel {
  activeRequests: number;
  /** Epoch milliseconds; Infinity = never. Only meaningful while no request is active. */
  expiresAt: number;
  keepAliveMilliseconds: number;
}

export interface ResidentModelView {
  name: string;
  expiresAt: number;
}

export class ModelResidency {
  private readonly loadMilliseconds: number;
  private readonly onLoadStarted: () => void;
  private readonly resident = new Map<string, ResidentModel>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(loadMilliseconds: number, onLoadStarted: () => void) {
    this.loadMilliseconds = loadMilliseconds;
    this.onLoadStarted = onLoadStarted;
  }

  isLoaded(name: string, now = Date.now()): boolean {
    const model = this.resident.get(name);
    if (model === undefined) return false;
    if (model.activeRequests > 0 || model.expiresAt > now) return true;
    this.resident.delete(name);
    return false;
  }

  /** Undefined when the model is already loaded; otherwise a promise that settles once it is. */
  ensureLoaded(name: string, signal: AbortSignal): Promise<void> | undefined {
    if (this.isLoaded(name)) return undefined;
    let load = this.loading.get(name);
    if (load === undefined) {
      this.onLoadStarted();
      if (this.loadMilliseconds === 0) {
        this.markLoaded(name);
        return undefined;
      }
      load = this.startLoad(name);
    }
    return abortableWait(load, signal);
  }

  private startLoad(name: string): Promise<void> {
    const load = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.loading.delete(name);
        this.markLoaded(name);
        resolve();
      }, this.loadMilliseconds);
      timer.unref();
    });
    this.loading.set(name, load);
    return load;
  }

  private markLoaded(name: string): void {
    const existing = this.resident.get(name);
    if (existing !== undefined) return;
    this.resident.set(name, {
      activeRequests: 0,
      expiresAt: Date.now() + defaultKeepAliveMilliseconds,
      keepAliveMilliseconds: defaultKeepAliveMilliseconds,
    });
  }

  /** A request starts using the model: it cannot expire until `release`. */
  hold(name: string): void {
    this.markLoaded(name);
    this.resident.get(name)!.activeRequests += 1;
  }

  /** A request is done with the model; it stays loaded for `keepAliveMilliseconds` (0 = unload). */
  release(name: string, keepAliveMilliseconds: number): void {
    const model = this.resident.get(name);
    if (model === undefined) return;
    model.activeRequests = Math.max(0, model.activeRequests - 1);
    this.keepFor(name, model, keepAliveMilliseconds);
  }

  /** Sets the keep-alive of an idle, loaded model (a load-only request). */
  touch(name: string, keepAliveMilliseconds: number): void {
    const model = this.resident.get(name);
    if (model !== undefined) this.keepFor(name, model, keepAliveMilliseconds);
  }

  private keepFor(name: string, model: ResidentModel, keepAliveMilliseconds: number): void {
    model.keepAliveMilliseconds = keepAliveMilliseconds;
    model.expiresAt = Date.now() + keepAliveMilliseconds;
    if (model.activeRequests === 0 && keepAliveMilliseconds <= 0) this.resident.delete(name);
  }

  unload(name: string): void {
    const model = this.resident.get(name);
    if (model !== undefined && model.activeRequests === 0) this.resident.delete(name);
  }

  /** Loaded models, most keep-alive time left first (as `/api/ps` sorts them). */
  list(now = Date.now()): ResidentModelView[] {
    const views: ResidentModelView[] = [];
    for (const [name, model] of this.resident) {
      if (!this.isLoaded(name, now)) continue;
      const expiresAt = model.activeRequests > 0 ? now + model.keepAliveMilliseconds : model.expiresAt;
      views.push({ name, expiresAt });
    }
    return views.sort((left, right) => right.expiresAt - left.expiresAt);
  }
}
