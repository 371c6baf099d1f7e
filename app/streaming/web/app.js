// Reelkeep's web client: the library grid (posters, hover previews), search and filters, and a player with
// quality choice, resume, rating, favourite and tags. Plain ES modules, no build step. The page is opened as
// /?token=T once; the server then sets a cookie that every later request carries.

import { HlsPlayer, mseHlsSupported } from "./hls-player.js";

const $ = (id) => document.getElementById(id);
const state = { items: [], current: null, resumeTimer: null, hls: null };

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options,
    headers: options.body ? { "Content-Type": "application/json" } : {} });
  if (!response.ok) {
    const text = await response.text();
    let body = null;
    try { body = JSON.parse(text); } catch (_) { /* not JSON */ }
    const error = new Error(response.status === 401 ? "Open the address with its token (from Share Library… in the app)."
      : (body && body.error) || text);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return response.json();
}

function clock(seconds) {
  if (!seconds && seconds !== 0) return "";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function query() {
  const params = new URLSearchParams({ limit: "500" });
  const text = $("search").value.trim();
  if (text) params.set("q", text);
  if ($("kind").value) params.set("kind", $("kind").value);
  const [sort, desc] = $("sort").value.split(":");
  params.set("sort", sort);
  if (desc) params.set("desc", "1");
  if ($("favourites").checked) params.set("favourites", "1");
  return params;
}

async function load() {
  try {
    const page = await api(`/api/items?${query()}`);
    state.items = page.items;
    $("error").hidden = true;
    $("count").textContent = `${page.total} item${page.total === 1 ? "" : "s"}`;
    render();
  } catch (error) {
    showError(error.message);
  }
}

function render() {
  const grid = $("grid");
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".card");
  grid.replaceChildren(...state.items.map(card));
  $("empty").hidden = state.items.length > 0;
  if (focused) {  // drawn again (another program's edit): the keyboard stays where it was
    const again = grid.querySelector(`.card[data-id="${focused.dataset.id}"]`);
    if (again) again.focus();
  }
}

function card(item) {
  const element = document.createElement("article");
  element.className = "card";
  element.tabIndex = 0;
  element.dataset.id = item.id;
  const thumb = document.createElement("div");
  thumb.className = "thumb";
  thumb.textContent = item.kind === "audio" ? "♪" : "▶";
  const poster = new Image();
  poster.onload = () => { thumb.style.backgroundImage = `url("${item.poster}")`; thumb.firstChild.textContent = ""; };
  poster.src = item.poster;
  if (item.duration) {
    const length = document.createElement("span");
    length.className = "length";
    length.textContent = clock(item.duration);
    thumb.append(length);
  }
  const info = document.createElement("div");
  info.className = "info";
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = item.title || item.name;
  name.title = item.name;
  const sub = document.createElement("div");
  sub.className = "sub";
  const stars = item.rating ? "★".repeat(item.rating) : "";
  sub.append(item.favourite ? Object.assign(document.createElement("span"), { className: "fav",
    textContent: "♥ " }) : "", [item.artist, item.width ? `${item.width}×${item.height}` : "", stars]
    .filter(Boolean).join(" · "));
  info.append(name, sub);
  element.append(thumb, info);
  element.addEventListener("click", () => open(item.id));
  element.addEventListener("keydown", (event) => { if (event.key === "Enter") open(item.id); });
  if (item.kind === "video") hoverPreview(element, thumb, item);
  return element;
}

function hoverPreview(element, thumb, item) {
  let video = null;
  element.addEventListener("mouseenter", () => {
    const shown = Object.assign(document.createElement("video"), { src: item.preview, muted: true, loop: true,
      autoplay: true, playsInline: true });
    shown.onerror = () => shown.remove();  // no preview made yet: the poster stays
    video = shown;
    thumb.append(shown);
  });
  element.addEventListener("mouseleave", () => { if (video) { video.remove(); video = null; } });
}

async function open(id) {
  const item = await api(`/api/items/${id}`);
  state.current = item;
  $("title").textContent = item.title || item.name;
  const select = $("rendition");
  select.replaceChildren(new Option("Auto", "auto"), ...item.renditions.map((r) =>
    new Option(r.height ? `${r.name} (${r.height}p)` : r.name, r.name)));
  select.value = "auto";
  showFacts(item);
  showRating(item);
  showTags(item);
  play(item, "auto", item.resume_seconds || 0);
  if (!$("player").open) $("player").showModal();
}

// A video that needs a transcode plays as HLS: its H.264 proxies as variants the player switches between, or a
// live transcode that plays after one segment and seeks while it encodes. Browsers with HLS of their own (Safari,
// Chromium, Edge, phones) play the playlist themselves; the others (Firefox) through Reelkeep's own HLS loader on
// Media Source Extensions. `?hls=mse` in the page's address uses that loader in any browser.
const PAGE = new URLSearchParams(location.search);
const NATIVE_HLS = PAGE.get("hls") !== "mse"
  && document.createElement("video").canPlayType("application/vnd.apple.mpegurl") !== "";
const MSE_HLS = !NATIVE_HLS && mseHlsSupported();

function source(item, rendition) {
  if (rendition !== "auto") return `/media/${item.id}/play?rendition=${rendition}`;
  if (item.kind === "video" && item.delivery.how === "transcode" && (NATIVE_HLS || MSE_HLS)) return item.hls;
  return `/media/${item.id}/play?${fit()}`;
}

// What the server fits the rendition to: this screen in device pixels, and the connection's speed where the
// browser tells it (Chromium's navigator.connection, in Mbit/s).
function fit() {
  const ratio = window.devicePixelRatio || 1;
  const query = new URLSearchParams({ screen: `${Math.round(screen.width * ratio)}x${Math.round(screen.height * ratio)}` });
  const downlink = navigator.connection && navigator.connection.downlink;
  if (downlink) query.set("bandwidth", String(Math.round(downlink * 1e6)));
  return query.toString();
}

function play(item, rendition, at) {
  const element = document.createElement(item.kind === "audio" ? "audio" : "video");
  element.controls = true;
  element.autoplay = true;
  element.preload = "auto";
  stopHls();
  $("player-error").hidden = true;
  const url = source(item, rendition);
  if (url === item.hls && !NATIVE_HLS) {
    state.hls = new HlsPlayer(element, url);
    element.addEventListener("hlslevel", (event) => { $("rendition").options[0].text = `Auto (${event.detail.name})`; });
    element.addEventListener("hlserror", (event) => {
      $("player-error").textContent = `Cannot play this video: ${event.detail}`;
      $("player-error").hidden = false;
    });
  } else {
    element.src = url;
  }
  element.addEventListener("loadedmetadata", () => { if (at > 0 && at < element.duration - 1) element.currentTime = at; },
    { once: true });
  element.addEventListener("pause", () => saveResume(element));
  element.addEventListener("ended", async () => {
    await api(`/api/items/${item.id}/played`, { method: "POST" });
    await api(`/api/items/${item.id}/resume`, { method: "PUT", body: JSON.stringify({ seconds: null }) });
  });
  $("media").replaceChildren(element);
  clearInterval(state.resumeTimer);
  state.resumeTimer = setInterval(() => { if (!element.paused) saveResume(element); }, 5000);
}

function stopHls() {
  if (state.hls) state.hls.destroy();
  state.hls = null;
  $("rendition").options[0].text = "Auto";
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function saveResume(element) {
  const item = state.current;
  if (!item || !element.currentTime) return;
  api(`/api/items/${item.id}/resume`, { method: "PUT",
    body: JSON.stringify({ seconds: element.currentTime }) }).catch(() => {});
}

function showFacts(item) {
  $("facts").textContent = [item.start_timecode, item.frame_rate && `${rate(item.frame_rate)} fps`,
    item.video_codec || item.audio_codec, item.play_count ? `played ${item.play_count}×` : ""]
    .filter(Boolean).join(" · ");
}

function rate(fraction) {
  const [num, den] = fraction.split("/").map(Number);
  return Number.isInteger(num / den) ? String(num / den) : (num / den).toFixed(3);
}

function showRating(item) {
  $("favourite").textContent = item.favourite ? "♥" : "♡";
  $("favourite").setAttribute("aria-pressed", String(item.favourite));
  $("stars").replaceChildren(...[1, 2, 3, 4, 5].map((n) => {
    const star = Object.assign(document.createElement("button"), { type: "button",
      textContent: n <= item.rating ? "★" : "☆", title: `${n} star${n > 1 ? "s" : ""}` });
    star.addEventListener("click", () => edit({ rating: item.rating === n ? 0 : n }));
    return star;
  }));
}

function showTags(item) {
  $("tags").replaceChildren(...item.tags.map((tag) => {
    const chip = Object.assign(document.createElement("span"), { className: "tag", textContent: tag,
      title: "Remove this tag" });
    chip.addEventListener("click", () => edit({ remove_tags: [tag] }));
    return chip;
  }));
}

// The rating and favourite are sent with the values this page showed: when another program (the app, another
// browser) changed them meanwhile, the server refuses (409) and the page shows theirs instead of overwriting it.
async function edit(change) {
  const shown = state.current;
  const expected = {};
  for (const key of ["rating", "favourite"]) if (key in change) expected[key] = shown[key];
  let item;
  try {
    item = await api(`/api/items/${shown.id}`, { method: "PATCH", body: JSON.stringify({ ...change, expected }) });
    $("player-error").hidden = true;
  } catch (error) {
    if (error.status !== 409 || !error.body || !error.body.item) throw error;
    item = error.body.item;
    $("player-error").textContent = "Someone else changed this meanwhile; it now shows their change. Edit again to change it.";
    $("player-error").hidden = false;
  }
  state.current = item;
  showRating(item);
  showTags(item);
  load();
}

function close() {
  const media = $("media").firstChild;
  if (media) { saveResume(media); media.pause(); }
  stopHls();
  if (media) { media.removeAttribute("src"); media.load(); }
  clearInterval(state.resumeTimer);
  $("media").replaceChildren();
  if ($("player").open) $("player").close();
  load();
}

let typing = null;
$("search").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(load, 200); });
for (const id of ["kind", "sort", "favourites"]) $(id).addEventListener("change", load);
$("rendition").addEventListener("change", () => {
  const media = $("media").firstChild;
  play(state.current, $("rendition").value, media ? media.currentTime : 0);
});
$("favourite").addEventListener("click", () => edit({ favourite: !state.current.favourite }));
$("tagform").addEventListener("submit", (event) => {
  event.preventDefault();
  const tag = $("newtag").value.trim();
  if (tag) edit({ add_tags: [tag] });
  $("newtag").value = "";
});
$("close").addEventListener("click", close);
$("player").addEventListener("cancel", (event) => { event.preventDefault(); close(); });
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && document.activeElement !== $("search") && !$("player").open) {
    event.preventDefault();
    $("search").focus();
  }
});
// Others' edits (the app, another browser, a CLI) show without being asked: the server answers this long poll
// when the catalog changed; the grid and the open item are read again.
async function follow() {
  let version = -1;
  for (;;) {
    try {
      const answer = await api(`/api/changes?since=${version}`);
      if (!answer.following) return;
      if (version >= 0 && answer.version !== version) changedElsewhere();
      version = answer.version;
    } catch (_) {
      await new Promise((resolve) => setTimeout(resolve, 5000));  // the server is away: ask again later
    }
  }
}

async function changedElsewhere() {
  load();
  const shown = state.current;
  if (!$("player").open || !shown) return;
  const item = await api(`/api/items/${shown.id}`).catch(() => null);
  if (item && state.current === shown) {
    state.current = item;
    showRating(item);
    showTags(item);
  }
}

if (PAGE.has("token")) history.replaceState(null, "", PAGE.has("hls") ? `/?hls=${PAGE.get("hls")}` : "/");  // out of the history
load();
follow();
