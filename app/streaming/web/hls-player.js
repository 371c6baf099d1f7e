// HLS for browsers without HLS of their own (Firefox): Reelkeep's playlists fed to the <video> through Media Source
// Extensions, the variant chosen by measured throughput and the screen, as HLS players do. It plays what Reelkeep's
// server makes — VOD playlists of fragmented MP4: byte ranges into one file after an EXT-X-MAP (the proxies), or
// self-initialising segments (a live transcode, asked for with `segments=mp4`, since MSE does not take MPEG-TS) —
// and not live (sliding) playlists, MPEG-TS or encryption.

const AHEAD_SECONDS = 30;  // buffered ahead of the playhead before the loader waits
const BEHIND_SECONDS = 30;  // played media kept for seeking back; older is removed from the buffer
const SAFETY = 0.7;  // a variant is chosen when it needs at most this share of the measured throughput
const MIME = (codecs) => `video/mp4; codecs="${codecs}"`;

export function mseHlsSupported() {
  return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported(MIME("avc1.42e01e,mp4a.40.2"));
}

// `KEY=VALUE,KEY="quoted, with commas"` of an EXT-X tag.
function attributes(text) {
  const found = {};
  for (const match of text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) found[match[1]] = match[2].replace(/^"|"$/g, "");
  return found;
}

// `length@offset` of EXT-X-BYTERANGE and EXT-X-MAP's BYTERANGE; without @offset the range follows the previous one.
function byteRange(text, previousEnd) {
  const [length, offset] = text.split("@").map(Number);
  const start = Number.isFinite(offset) ? offset : previousEnd;
  return { start, end: start + length - 1 };
}

export function parseMaster(text, base) {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (lines[0] !== "#EXTM3U") throw new Error("not an HLS playlist");
  if (!lines.some((line) => line.startsWith("#EXT-X-STREAM-INF"))) {
    return [{ name: "stream", url: new URL(base), bandwidth: 0, width: 0, height: 0, codecs: "" }];
  }
  const levels = [];
  lines.forEach((line, i) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
    const info = attributes(line.slice(line.indexOf(":") + 1));
    const url = new URL(lines[i + 1], base);
    const [width, height] = (info.RESOLUTION || "0x0").split("x").map(Number);
    const name = url.pathname.split("/").pop().replace(/\.m3u8$/, "");
    levels.push({ name, url, bandwidth: Number(info.BANDWIDTH) || 0, width, height, codecs: info.CODECS || "" });
  });
  return levels.sort((a, b) => a.bandwidth - b.bandwidth);
}

export function parseMedia(text, base) {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  if (lines[0] !== "#EXTM3U") throw new Error("not an HLS playlist");
  let init = null, duration = null, range = null, start = 0;
  const ends = new Map();  // url → end of its last byte range (a range without @offset follows it)
  const segments = [];
  for (const line of lines) {
    if (line.startsWith("#EXT-X-MAP:")) {
      const info = attributes(line.slice(11));
      const url = new URL(info.URI, base);
      init = { url, range: info.BYTERANGE ? byteRange(info.BYTERANGE, 0) : null };
      if (init.range) ends.set(url.href, init.range.end + 1);
    } else if (line.startsWith("#EXTINF:")) {
      duration = parseFloat(line.slice(8));
    } else if (line.startsWith("#EXT-X-BYTERANGE:")) {
      range = line.slice(17);
    } else if (!line.startsWith("#")) {
      const url = new URL(line, base);
      const span = range === null ? null : byteRange(range, ends.get(url.href) || 0);
      if (span) ends.set(url.href, span.end + 1);
      segments.push({ url, range: span, start, duration });
      start += duration;
      range = null;
    } else if (line === "#EXT-X-ENDLIST") {
      break;
    }
  }
  if (!lines.includes("#EXT-X-ENDLIST")) throw new Error("live playlists are not supported");
  if (segments.some((segment) => /\.ts$/i.test(segment.url.pathname))) {
    throw new Error("this stream's segments are MPEG-TS, which this browser cannot play");
  }
  return { init, segments, duration: start };
}

class Cancelled extends Error {}

// One <video>, one master playlist. `levels` are its variants (lowest first), `level` the one being loaded; the video element's dataset says which (`hlsLevel`) and how many
// switches happened (`hlsSwitches`). Errors are dispatched on the element as an `hlserror` event.
export class HlsPlayer {
  constructor(video, url) {
    this.video = video;
    this.url = new URL(url, location.href);
    this.levels = [];
    this.level = -1;
    this.throughput = null;  // bits per second, a moving average over segment downloads
    this.switches = 0;
    this.destroyed = false;
    this.playlists = new Map();
    this.controller = null;
    this.sleeping = null;
    this.seeked = false;
    this.mediaSource = new MediaSource();
    this.objectUrl = URL.createObjectURL(this.mediaSource);
    this.opened = new Promise((resolve) => this.mediaSource.addEventListener("sourceopen", resolve, { once: true }));
    this.onSeeking = () => { this.seeked = true; if (this.controller) this.controller.abort(); this.wake(); };
    this.onTime = () => this.wake();
    video.addEventListener("seeking", this.onSeeking);
    video.addEventListener("timeupdate", this.onTime);
    video.src = this.objectUrl;
    video.dataset.hls = "mse";
    this.run().catch((error) => {
      if (this.destroyed) return;
      video.dispatchEvent(new CustomEvent("hlserror", { detail: error.message || String(error) }));
    });
  }

  destroy() {
    this.destroyed = true;
    if (this.controller) this.controller.abort();
    this.wake();
    this.video.removeEventListener("seeking", this.onSeeking);
    this.video.removeEventListener("timeupdate", this.onTime);
    URL.revokeObjectURL(this.objectUrl);
  }

  wake() {
    if (this.sleeping) { const resume = this.sleeping; this.sleeping = null; resume(); }
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.sleeping = null; resolve(); }, ms);
      this.sleeping = () => { clearTimeout(timer); resolve(); };
    });
  }

  async run() {
    this.levels = parseMaster(await (await this.fetch(this.url)).text(), this.url);
    await this.opened;
    const first = await this.playlist(0);
    this.mediaSource.duration = first.duration;
    this.codecs = this.levels[0].codecs || "avc1.42e01e,mp4a.40.2";
    this.buffer = this.mediaSource.addSourceBuffer(MIME(this.codecs));
    let next = 0;  // where on the timeline the next segment starts
    let initOf = null;  // the variant whose init segment the buffer parsed last
    while (!this.destroyed) {
      if (this.seeked) {
        this.seeked = false;
        next = this.bufferedEndAt(this.video.currentTime);
      }
      const total = this.mediaSource.duration;
      if (next >= total - 0.05) {
        if (this.mediaSource.readyState === "open" && !this.buffer.updating) this.mediaSource.endOfStream();
        await this.sleep(1000);  // until a seek asks for more
        continue;
      }
      if (next - this.video.currentTime > AHEAD_SECONDS) {
        await this.sleep(1000);
        continue;
      }
      const index = this.choose();
      try {
        const playlist = await this.playlist(index);
        const segment = playlist.segments.findLast((s) => s.start <= next + 0.001) || playlist.segments[0];
        if (index !== this.level) this.switchTo(index);
        if (playlist.init && initOf !== index) {
          await this.append(await this.load(playlist.init));
          initOf = index;
        } else if (!playlist.init) {
          initOf = null;  // self-initialising segments carry their own
        }
        const started = performance.now();
        const data = await this.load(segment);
        this.measure(data.byteLength, performance.now() - started);
        await this.append(data);
        if (!this.seeked) next = segment.start + segment.duration;
        this.evict();
      } catch (error) {
        if (error instanceof Cancelled || error.name === "AbortError") continue;  // a seek: start again there
        throw error;
      }
    }
  }

  // The end of the buffered span the playhead is in (the playhead itself when nothing there is buffered).
  bufferedEndAt(time) {
    const ranges = this.video.buffered;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) - 0.2 <= time && time <= ranges.end(i)) return ranges.end(i);
    }
    return time;
  }

  choose() {
    if (this.throughput === null) return 0;  // the lowest first: its first segment measures the link
    const ratio = window.devicePixelRatio || 1;
    const screenHeight = Math.max(screen.width, screen.height) * ratio;
    let best = 0;
    this.levels.forEach((level, i) => {
      const fits = !level.height || Math.min(level.width, level.height) <= screenHeight;
      if (fits && level.bandwidth <= this.throughput * SAFETY) best = i;
    });
    return best;
  }

  switchTo(index) {
    const codecs = this.levels[index].codecs;
    if (codecs && codecs !== this.codecs && this.buffer.changeType) this.buffer.changeType(MIME(codecs));
    if (codecs) this.codecs = codecs;
    if (this.level >= 0) this.switches += 1;
    this.level = index;
    this.video.dataset.hlsLevel = this.levels[index].name;
    this.video.dataset.hlsSwitches = String(this.switches);
    this.video.dispatchEvent(new CustomEvent("hlslevel", { detail: { level: index, name: this.levels[index].name } }));
  }

  measure(bytes, milliseconds) {
    if (bytes < 16384) return;  // too small to say anything about the link
    const sample = (bytes * 8) / Math.max(milliseconds, 1) * 1000;
    this.throughput = this.throughput === null ? sample : 0.7 * this.throughput + 0.3 * sample;
  }

  async playlist(index) {
    if (!this.playlists.has(index)) {
      const url = new URL(this.levels[index].url);
      url.searchParams.set("segments", "mp4");  // Reelkeep's live playlists then list fMP4 segments
      this.playlists.set(index, parseMedia(await (await this.fetch(url)).text(), url));
    }
    return this.playlists.get(index);
  }

  async load(part) {
    const headers = part.range ? { Range: `bytes=${part.range.start}-${part.range.end}` } : {};
    const response = await this.fetch(part.url, headers);
    const data = await response.arrayBuffer();
    if (part.range && response.status === 200) return data.slice(part.range.start, part.range.end + 1);
    return data;
  }

  // fetch with the page's cookie; a busy live transcode (503 + Retry-After) is asked again after the wait.
  async fetch(url, headers = {}) {
    for (;;) {
      if (this.destroyed) throw new Cancelled();
      this.controller = new AbortController();
      const response = await fetch(url, { credentials: "same-origin", headers, signal: this.controller.signal });
      if (response.ok) return response;
      if (response.status === 503) {  // not woken by playback: the server asked for this pause
        await new Promise((resolve) => setTimeout(resolve, 1000 * (Number(response.headers.get("Retry-After")) || 5)));
        continue;
      }
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
      throw new Error(message);
    }
  }

  async append(data) {
    for (let attempt = 0; ; attempt++) {
      await this.updated();
      if (this.destroyed) throw new Cancelled();
      try {
        this.buffer.appendBuffer(data);
        await this.updated();
        return;
      } catch (error) {
        if (error.name !== "QuotaExceededError" || attempt > 2) throw error;
        this.evict(5);  // the buffer is full: drop what was played and try again
        await this.sleep(500);
      }
    }
  }

  updated() {
    const buffer = this.buffer;
    if (!buffer.updating) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => { buffer.removeEventListener("error", failed); resolve(); };
      const failed = () => { buffer.removeEventListener("updateend", done); reject(new Error("the browser could not decode a segment")); };
      buffer.addEventListener("updateend", done, { once: true });
      buffer.addEventListener("error", failed, { once: true });
    });
  }

  evict(keep = BEHIND_SECONDS) {
    const ranges = this.buffer.buffered;
    const until = this.video.currentTime - keep;
    if (!this.buffer.updating && ranges.length && ranges.start(0) < until) this.buffer.remove(0, until);
  }
}
