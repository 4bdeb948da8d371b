/**
 * Exact binomial variates, for resampling counts instead of items: inversion when n·min(p, 1−p) < 10,
 * else BTRD (W. Hörmann, "The generation of binomial random variates", J. Statist. Comput. Simul. 46,
 * 1993), expected O(1) per variate at any n. `uniform` returns numbers in [0, 1).
 */
export function sampleBinomial(n: number, p: number, uniform: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const flip = p > 0.5;
  const q = flip ? 1 - p : p;
  const k = n * q < 10 ? inversion(n, q, uniform) : btrd(n, q, uniform);
  return flip ? n - k : k;
}

function inversion(n: number, p: number, uniform: () => number): number {
  const ratio = p / (1 - p);
  for (;;) {
    let probability = (1 - p) ** n;
    let u = uniform();
    let k = 0;
    while (u > probability) {
      u -= probability;
      k += 1;
      if (k > n) break; // rounding left a sliver past the last term: draw again
      probability *= ((n + 1 - k) / k) * ratio;
    }
    if (k <= n) return k;
  }
}

const tail = [0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871];

/** The error of Stirling's formula for log(k!). */
function stirlingTail(k: number): number {
  if (k < 10) return tail[k]!;
  const inverse = 1 / (k + 1);
  return (1 / 12 - (1 / 360 - (inverse * inverse) / 1260) * inverse * inverse) * inverse;
}

function btrd(n: number, p: number, uniform: () => number): number {
  const m = Math.floor((n + 1) * p);
  const r = p / (1 - p);
  const nr = (n + 1) * r;
  const npq = n * p * (1 - p);
  const sqrtNpq = Math.sqrt(npq);
  const b = 1.15 + 2.53 * sqrtNpq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const alpha = (2.83 + 5.1 / b) * sqrtNpq;
  const vr = 0.92 - 4.2 / b;
  const urvr = 0.86 * vr;
  for (;;) {
    let v = uniform();
    let u: number;
    if (v <= urvr) {
      u = v / vr - 0.43;
      return Math.floor(((2 * a) / (0.5 - Math.abs(u)) + b) * u + c);
    }
    if (v >= vr) {
      u = uniform() - 0.5;
    } else {
      u = v / vr - 0.93;
      u = Math.sign(u) * 0.5 - u;
      v = uniform() * vr;
    }
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    v = (v * alpha) / (a / (us * us) + b);
    const km = Math.abs(k - m);
    if (km <= 15) {
      // The ratio f(k)/f(m), by recursion.
      let f = 1;
      if (m < k) for (let i = m + 1; i <= k; i += 1) f *= nr / i - r;
      else if (m > k) for (let i = k + 1; i <= m; i += 1) v *= nr / i - r;
      if (v <= f) return k;
      continue;
    }
    // Squeeze, then the exact log ratio.
    const logV = Math.log(v);
    const rho = (km / npq) * (((km / 3 + 0.625) * km + 1 / 6) / npq + 0.5);
    const t = (-km * km) / (2 * npq);
    if (logV < t - rho) return k;
    if (logV > t + rho) continue;
    const nm = n - m + 1;
    const h = (m + 0.5) * Math.log((m + 1) / (r * nm)) + stirlingTail(m) + stirlingTail(n - m);
    const nk = n - k + 1;
    if (logV <= h + (n + 1) * Math.log(nm / nk) + (k + 0.5) * Math.log((nk * r) / (k + 1)) - stirlingTail(k) - stirlingTail(n - k)) return k;
  }
}
