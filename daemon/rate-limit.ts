// A token bucket per requester: each requester may send `burst` requests at once and then
// `perMinute` a minute. Flash and suite-run requests cost a job each (or a whole matrix), so one
// client in a loop must not fill the queue for everybody. Buckets that are full again are dropped,
// so the map holds only requesters active in the last minute or so.

export interface RateLimitConfig { perMinute: number; burst: number }

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly cfg: RateLimitConfig, private readonly now: () => number = Date.now) {}

  /** Takes one token for `who`; false when the requester is over its rate. */
  take(who: string): boolean {
    const t = this.now();
    const b = this.buckets.get(who) ?? { tokens: this.cfg.burst, at: t };
    b.tokens = Math.min(this.cfg.burst, b.tokens + ((t - b.at) * this.cfg.perMinute) / 60_000);
    b.at = t;
    if (b.tokens < 1) { this.buckets.set(who, b); return false; }
    b.tokens -= 1;
    this.buckets.set(who, b);
    if (this.buckets.size > 1024) this.prune(t);
    return true;
  }

  /** Seconds until `who` may send again (for the refusal's text). */
  retryAfterS(who: string): number {
    const b = this.buckets.get(who);
    if (!b || b.tokens >= 1) return 0;
    return Math.ceil(((1 - b.tokens) * 60) / this.cfg.perMinute);
  }

  private prune(t: number): void {
    for (const [who, b] of this.buckets) {
      if (b.tokens + ((t - b.at) * this.cfg.perMinute) / 60_000 >= this.cfg.burst) this.buckets.delete(who);
    }
  }
}
