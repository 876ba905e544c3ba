// qrsmith web page, the Read half of "One code": a picture chosen, dropped or pasted, or the
// camera live; the codes found are listed and outlined on the picture.

import { $, say, errorText, networkText, copyText, api } from './common.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DECODE_URL = '/api/v1/decode';

const d = {
  panel: $('decode'),
  drop: $('dec-drop'),
  file: $('dec-file'),
  paste: $('dec-paste'),
  camera: $('dec-camera'),
  cam: $('dec-cam'),
  video: $('dec-video'),
  stop: $('dec-stop'),
  status: $('dec-status'),
  figure: $('dec-figure'),
  image: $('dec-image'),
  overlay: $('dec-overlay'),
  caption: $('dec-caption'),
  sequences: $('dec-sequences'),
  results: $('dec-results'),
  template: $('result-tpl'),
};
let shownUrl = ''; // object URL of the picture on screen, revoked when replaced
let job = 0; // number of the latest read; answers to older ones are dropped

function clearResults() {
  d.results.replaceChildren();
  d.sequences.replaceChildren();
  d.overlay.replaceChildren();
}

/** Puts a picture on screen in place of the last one and its results. */
function display(blob, name) {
  clearResults();
  if (shownUrl) URL.revokeObjectURL(shownUrl);
  shownUrl = URL.createObjectURL(blob);
  d.image.src = shownUrl;
  d.figure.hidden = false;
  d.caption.textContent = name;
}

async function read(blob, name) {
  stopCamera(); // a picture given while the camera looks takes its place
  const mine = ++job;
  display(blob, name);
  say(d.status, 'Reading…');

  const body = new FormData();
  body.append('image', blob, name);
  let res;
  try {
    res = await api(DECODE_URL, { method: 'POST', body });
  } catch (err) {
    if (mine === job) say(d.status, networkText(err), 'error');
    return;
  }
  if (mine !== job) return;
  if (!res.ok) {
    say(d.status, await errorText(res), 'error');
    return;
  }
  let data;
  try {
    data = await res.json();
  } catch (_) {
    say(d.status, 'The server sent an answer this page does not understand.', 'error');
    return;
  }
  if (mine !== job) return;
  show(data);
}

/** Human names for the service's symbology names. */
const FORMATS = { QRCode: 'QR Code', MicroQRCode: 'Micro QR Code', rMQRCode: 'rMQR Code' };

function yesNo(v) {
  return v ? 'yes' : 'no';
}

/** Text of a symbol as a node: a link only when it is one whole http(s) URL. */
function textNode(text) {
  const trimmed = text.trim();
  if (trimmed === text && !/\s/.test(text)) {
    let url = null;
    try {
      url = new URL(text);
    } catch (_) {
      url = null;
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
      const a = document.createElement('a');
      a.href = url.href;
      a.textContent = text;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      return a;
    }
  }
  return document.createTextNode(text);
}

function addMeta(dl, term, value) {
  if (value === undefined || value === null || value === '') return;
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = String(value);
  dl.append(dt, dd);
}

function byteCount(b64) {
  if (typeof b64 !== 'string') return null;
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

function copyButton(button, text, what) {
  button.addEventListener('click', async () => {
    try {
      await copyText(text);
      say(d.status, `${what} copied.`, 'ok');
    } catch (_) {
      say(d.status, `Could not copy the ${what.toLowerCase()}.`, 'error');
    }
  });
}

/** Draws symbol `i`'s outline; its number sits in a dot on the symbol's top-left corner. */
function outline(svg, r, i) {
  const corners = Array.isArray(r.corners) ? r.corners : [];
  if (corners.length !== 4) return null;
  const poly = document.createElementNS(SVG_NS, 'polygon');
  poly.setAttribute('points', corners.map((p) => `${p[0]},${p[1]}`).join(' '));
  poly.dataset.index = String(i);
  const dot = document.createElementNS(SVG_NS, 'circle');
  dot.setAttribute('cx', String(corners[0][0]));
  dot.setAttribute('cy', String(corners[0][1]));
  const label = document.createElementNS(SVG_NS, 'text');
  label.setAttribute('x', String(corners[0][0]));
  label.setAttribute('y', String(corners[0][1]));
  label.setAttribute('text-anchor', 'middle');
  label.setAttribute('dominant-baseline', 'central');
  label.textContent = String(i + 1);
  svg.append(poly, dot, label);
  return poly;
}

/** Keeps the number dots the same size on screen whatever the picture's display scale. */
function sizeLabels() {
  const box = d.overlay.viewBox.baseVal;
  const shown = d.image.clientWidth;
  if (!box || !box.width || !shown) return;
  const k = box.width / shown; // image pixels per CSS pixel
  d.overlay.querySelectorAll('circle').forEach((c) => c.setAttribute('r', String(11 * k)));
  d.overlay.querySelectorAll('text').forEach((t) => t.setAttribute('font-size', String(13 * k)));
}
d.image.addEventListener('load', sizeLabels);
if (typeof ResizeObserver === 'function') new ResizeObserver(sizeLabels).observe(d.image);

/** A coordinate to one decimal: enough to find a corner, short enough to read. */
const coord = (v) => String(Math.round(Number(v) * 10) / 10);

function show(data) {
  const results = Array.isArray(data.results) ? data.results : [];
  const w = Number(data.width) || d.image.naturalWidth || 1;
  const h = Number(data.height) || d.image.naturalHeight || 1;
  d.overlay.setAttribute('viewBox', `0 0 ${w} ${h}`);
  d.caption.textContent = `${d.caption.textContent} · ${w} × ${h} px`;

  if (results.length === 0) {
    say(d.status, 'No QR code found in this picture.', 'error');
  } else {
    say(d.status, results.length === 1 ? 'Found 1 code.' : `Found ${results.length} codes.`, 'ok');
  }

  results.forEach((r, i) => {
    const li = d.template.content.firstElementChild.cloneNode(true);
    const format = FORMATS[r.format] || String(r.format || 'code');
    li.querySelector('.badge').textContent = String(i + 1);
    li.querySelector('.result-title').textContent = format;
    const textBox = li.querySelector('.result-text');
    const bytes = byteCount(r.bytes_base64);
    const text = typeof r.text === 'string' ? r.text : '';
    if (text !== '') {
      textBox.append(textNode(text));
      copyButton(li.querySelector('.copy'), text, 'Text');
    } else {
      textBox.classList.add('empty');
      textBox.textContent = bytes ? `(${bytes} bytes of binary data)` : '(empty)';
      const b = li.querySelector('.copy');
      b.textContent = 'Copy as base64';
      copyButton(b, r.bytes_base64 || '', 'Base64');
    }
    const dl = li.querySelector('.meta');
    addMeta(dl, 'Version', r.version);
    addMeta(dl, 'Error correction', r.ec_level);
    addMeta(dl, 'Mask', r.mask);
    addMeta(dl, 'Bytes', bytes);
    addMeta(dl, 'Rotation', typeof r.orientation === 'number' ? `${r.orientation}°` : null);
    addMeta(dl, 'Inverted', typeof r.inverted === 'boolean' ? yesNo(r.inverted) : null);
    addMeta(dl, 'Mirrored', typeof r.mirrored === 'boolean' ? yesNo(r.mirrored) : null);
    const sa = r.structured_append;
    if (sa && typeof sa === 'object') {
      addMeta(dl, 'Structured append', `part ${Number(sa.index) + 1} of ${sa.count} (parity ${sa.parity})`);
    }
    if (Array.isArray(r.corners)) {
      addMeta(dl, 'Corners', r.corners.map((p) => `(${coord(p[0])}, ${coord(p[1])})`).join(' '));
    }
    const poly = outline(d.overlay, r, i);
    if (poly) {
      const hot = (on) => () => poly.classList.toggle('hot', on);
      li.addEventListener('mouseenter', hot(true));
      li.addEventListener('mouseleave', hot(false));
      li.addEventListener('focusin', hot(true));
      li.addEventListener('focusout', hot(false));
    }
    d.results.append(li);
  });
  sizeLabels();

  const sequences = Array.isArray(data.sequences) ? data.sequences : [];
  sequences.forEach((s) => {
    const box = document.createElement('div');
    box.className = 'sequence';
    const p = document.createElement('p');
    const count = s.count ? ` of ${s.count} codes` : '';
    if (s.complete) {
      p.textContent = `Structured-append sequence${count}, complete. Joined text:`;
      const t = document.createElement('div');
      t.className = 'result-text';
      t.append(textNode(typeof s.text === 'string' ? s.text : ''));
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'button small';
      b.textContent = 'Copy joined text';
      copyButton(b, s.text || '', 'Joined text');
      box.append(p, t, b);
    } else {
      const missing = Array.isArray(s.missing) ? s.missing.map((m) => Number(m) + 1).join(', ') : '';
      p.textContent = `Structured-append sequence${count}, incomplete${missing ? `: missing part ${missing}` : ''}.`;
      box.append(p);
    }
    d.sequences.append(box);
  });
}

d.image.addEventListener('error', () => {
  if (!d.image.getAttribute('src')) return;
  // The server reads formats some browsers cannot show (TIFF, say): keep the results.
  d.figure.hidden = true;
});

d.file.addEventListener('change', () => {
  const f = d.file.files && d.file.files[0];
  if (f) read(f, f.name);
  d.file.value = ''; // choosing the same file again must read it again
});

// Drag and drop anywhere on the decode half.
let depth = 0;
d.panel.addEventListener('dragenter', (e) => {
  e.preventDefault();
  depth += 1;
  d.drop.classList.add('over');
});
d.panel.addEventListener('dragover', (e) => {
  e.preventDefault();
  if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
});
d.panel.addEventListener('dragleave', () => {
  depth = Math.max(0, depth - 1);
  if (depth === 0) d.drop.classList.remove('over');
});
d.panel.addEventListener('drop', async (e) => {
  e.preventDefault();
  depth = 0;
  d.drop.classList.remove('over');
  const dt = e.dataTransfer;
  const f = dt && dt.files && dt.files[0];
  if (f) {
    read(f, f.name);
    return;
  }
  // A picture dragged from this page (the preview on the left) arrives as a URL.
  const uri = dt && (dt.getData('text/uri-list') || dt.getData('text/plain'));
  let url = null;
  try {
    url = uri ? new URL(uri.split('\n')[0].trim(), location.href) : null;
  } catch (_) {
    url = null;
  }
  if (!url || url.origin !== location.origin) {
    say(d.status, 'Drop the picture file itself; pictures from other sites are not fetched.', 'error');
    return;
  }
  try {
    const res = await api(url.href);
    if (!res.ok) {
      say(d.status, await errorText(res), 'error');
      return;
    }
    read(await res.blob(), 'dropped picture');
  } catch (err) {
    say(d.status, networkText(err), 'error');
  }
});

// Paste: Ctrl+V anywhere (a picture on the clipboard), or the Paste button where the
// browser lets a page read the clipboard.
document.addEventListener('paste', (e) => {
  const items = e.clipboardData ? [...e.clipboardData.items] : [];
  const item = items.find((i) => i.kind === 'file' && i.type.startsWith('image/'));
  if (!item) return; // ordinary text paste into the text box goes on as usual
  e.preventDefault();
  read(item.getAsFile(), 'pasted picture');
});

if (navigator.clipboard && navigator.clipboard.read) {
  d.paste.hidden = false;
  d.paste.addEventListener('click', async () => {
    try {
      for (const item of await navigator.clipboard.read()) {
        const type = item.types.find((t) => t.startsWith('image/'));
        if (type) {
          read(await item.getType(type), 'pasted picture');
          return;
        }
      }
      say(d.status, 'The clipboard holds no picture.', 'error');
    } catch (_) {
      say(d.status, 'The browser did not let this page read the clipboard; try Ctrl+V.', 'error');
    }
  });
}

// Camera: where getUserMedia exists (secure contexts only), the page reads live, with no
// Capture step: frames go to the decoder one at a time, downscaled, until one holds a code;
// that frame is then shown, listed and outlined as an uploaded picture is.
const FRAME_SIDE = 960; // px, longest side sent: enough for a code held up to it, a small request
const LOOKING = 'Looking for a code: hold it in front of the camera.';
let stream = null;
let scanning = null; // AbortController of the reading loop: abort() ends it and its request

function stopCamera() {
  if (scanning) scanning.abort();
  scanning = null;
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stream = null;
  d.video.srcObject = null;
  d.cam.hidden = true;
  d.camera.disabled = false;
  if (document.activeElement === d.stop) d.camera.focus(); // Stop is hidden now
}

/** The video's picture now, downscaled, as a JPEG (a camera's noise makes a PNG several times larger). */
function grab(canvas) {
  const v = d.video;
  const k = Math.min(1, FRAME_SIDE / Math.max(v.videoWidth, v.videoHeight));
  canvas.width = Math.round(v.videoWidth * k);
  canvas.height = Math.round(v.videoHeight * k);
  canvas.getContext('2d').drawImage(v, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}

/**
 * Sends frames until one reads, Stop is pressed or the server fails. Never more than one
 * request: after each answer it waits as long as the server took (0.15–1 s), so a slow
 * machine or a loaded server is sent fewer frames; a busy one (429, 503) gets 2 s.
 */
async function scan(signal) {
  const canvas = document.createElement('canvas');
  let pause = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    if (signal.aborted) return;
    pause = 150;
    if (!d.video.videoWidth || document.hidden) continue; // no picture yet, or nobody looking
    const frame = await grab(canvas);
    if (!frame || signal.aborted) continue;
    const body = new FormData();
    body.append('image', frame, 'camera.jpg');
    const started = performance.now();
    let res;
    let data;
    try {
      res = await api(DECODE_URL, { method: 'POST', body, signal });
      if (res.ok) data = await res.json();
    } catch (err) {
      if (signal.aborted) return;
      stopCamera();
      say(d.status, res ? 'The server sent an answer this page does not understand.' : networkText(err), 'error');
      return;
    }
    if (signal.aborted) return;
    if (res.status === 429 || res.status === 503) {
      say(d.status, 'The server is busy; still looking…');
      pause = 2000;
      continue;
    }
    if (!res.ok) {
      const why = await errorText(res);
      if (signal.aborted) return;
      stopCamera();
      say(d.status, why, 'error');
      return;
    }
    if (Array.isArray(data.results) && data.results.length) {
      stopCamera();
      job += 1; // an upload still being read must not replace this
      display(frame, 'camera frame');
      show(data);
      return;
    }
    if (d.status.textContent !== LOOKING) say(d.status, LOOKING);
    pause = Math.min(1000, Math.max(150, performance.now() - started));
  }
}

if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  d.camera.hidden = false;
  d.camera.addEventListener('click', async () => {
    d.camera.disabled = true; // until stopCamera(): so a Stop or an upload meanwhile is seen
    job += 1; // what was being read is replaced by what the camera sees
    clearResults();
    d.figure.hidden = true;
    say(d.status, 'Starting the camera…');
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      if (!d.camera.disabled) {
        s.getTracks().forEach((t) => t.stop()); // a picture was given meanwhile
        return;
      }
      stream = s;
      d.video.srcObject = stream;
      d.cam.hidden = false;
      await d.video.play();
    } catch (err) {
      if (!d.camera.disabled) return; // stopped meanwhile: nothing went wrong
      stopCamera();
      const why =
        err && err.name === 'NotAllowedError'
          ? 'permission to use the camera was refused'
          : err && err.name === 'NotFoundError'
            ? 'no camera was found'
            : 'the camera could not be started';
      say(d.status, `No camera: ${why}.`, 'error');
      return;
    }
    if (!d.camera.disabled) return;
    d.stop.focus();
    say(d.status, LOOKING);
    scanning = new AbortController();
    scan(scanning.signal);
  });
  d.stop.addEventListener('click', () => {
    stopCamera();
    say(d.status, 'Camera stopped.');
  });
}
