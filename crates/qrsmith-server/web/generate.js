// qrsmith web page, the Make half of "One code": text or a typed payload, style, logo and parts,
// the preview with its scan check, download and copy.

import {
  $, say, errorText, networkText, copyText, apiKey, api, onKey, saveFrom, keyedLink, debounce, whole,
} from './common.js';

const QR_URL = '/api/v1/qr';

const g = {
  form: $('gen-form'),
  text: $('gen-text'),
  count: $('gen-count'),
  ec: $('gen-ec'),
  format: $('gen-format'),
  size: $('gen-size'),
  border: $('gen-border'),
  fg: $('gen-fg'),
  bg: $('gen-bg'),
  transparent: $('gen-transparent'),
  preview: $('gen-preview'),
  empty: $('gen-empty'),
  caption: $('gen-caption'),
  download: $('gen-download'),
  copy: $('gen-copy'),
  link: $('gen-link'),
  status: $('gen-status'),
  shape: $('gen-shape'),
  eye: $('gen-eye'),
  eyeColor: $('gen-eye-color'),
  logo: $('gen-logo'),
  logoSize: $('gen-logo-size'),
  scan: $('gen-scan'),
  parts: $('gen-parts'),
  partsList: $('gen-parts-list'),
};
let logoData = ''; // the chosen logo as base64, sent with POST (too big for a URL)
let partsZip = ''; // with 2+ parts: the JSON body that asks for the ZIP download
let wanted = ''; // the preview URL the page is waiting for; stale load events are ignored
let pngUrl = ''; // the PNG of the current settings, for "Copy image"
let fileUrl = ''; // the download in the chosen format
let previewBlob = ''; // object URL of a preview fetched with the API key

/** The API URL for the current settings in `format`; colours go without their '#'. */
function qrUrl(format, size, border) {
  const p = new URLSearchParams();
  p.set('data', source());
  p.set('format', format);
  p.set('size', String(size));
  p.set('ec', g.ec.value);
  p.set('border', String(border));
  p.set('fg', g.fg.value.replace('#', ''));
  p.set('bg', g.transparent.checked ? 'transparent' : g.bg.value.replace('#', ''));
  if (g.shape.value !== 'square') p.set('module_shape', g.shape.value);
  if (g.eye.value !== 'square') p.set('eye_shape', g.eye.value);
  if (g.eyeColor.value !== g.fg.value) p.set('eye_color', g.eyeColor.value.replace('#', ''));
  return `${QR_URL}?${p}`;
}

/** Shows the scan check: `m` is the service's scan_margin (or parsed from its headers). */
function showScan(m) {
  if (!m) {
    g.scan.textContent = '';
    return;
  }
  const words = (l) => l.join(', ').replace(/_/g, ' ');
  const adj = (m.adjustments || []).map((a) => a.message || a).filter((a) => a !== 'none');
  g.scan.textContent = `Scan check ${m.score}: reads ${words(m.passed) || 'never'}` +
    (m.failed.length ? `; fails ${words(m.failed)}` : '') + (adj.length ? `. Changed: ${adj.join('; ')}.` : '.');
}

/** The scan margin of a styled GET image, from its headers (a HEAD: the image is cached). */
function scanOf(url) {
  const styled = /module_shape|eye_/.test(url);
  if (!styled) return showScan(null);
  api(url, { method: 'HEAD' })
    .then((res) => {
      const [score, passed = '', failed = ''] = (res.headers.get('x-qr-scan-margin') || '').split(' ');
      if (url !== wanted || !score) return;
      const list = (t) => t.replace(/^\w+=/, '').split(',').filter(Boolean);
      const adj = (res.headers.get('x-qr-adjustments') || '').split(',');
      showScan({ score, passed: list(passed), failed: list(failed), adjustments: adj });
    })
    .catch(() => showScan(null));
}

/** A code with a logo: POST the settings as JSON, show the data URI and its scan margin. */
function postLogo(url, format) {
  const body = Object.fromEntries(new URL(url, location.href).searchParams);
  body.border = Number(body.border); // a JSON number, unlike the query's text
  body.logo = logoData;
  body.logo_size = Number(g.logoSize.value) / 100;
  api(QR_URL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    .then(async (res) => {
      if (!res.ok) throw new Error(await errorText(res));
      const img = (await res.json()).images[0];
      if (url !== wanted) return;
      fileUrl = pngUrl = img.data_uri;
      g.preview.dataset.api = url;
      g.preview.src = img.data_uri;
      showScan(img.scan_margin);
    })
    .catch((err) => previewFailed(url, err instanceof TypeError ? networkText(err) : err.message));
}

g.logo.addEventListener('change', () => {
  const file = g.logo.files[0];
  logoData = '';
  if (!file) return refresh();
  const reader = new FileReader();
  reader.addEventListener('load', () => {
    logoData = String(reader.result).split(',')[1] || '';
    refresh();
  });
  reader.readAsDataURL(file);
});

function setReady(ready) {
  // A logo travels by POST and parts by ZIP, so neither fits in a link; with a logo the
  // clipboard gets the PNG only when PNG is the chosen format.
  g.link.disabled = !ready || Boolean(logoData || partsZip);
  g.copy.disabled = !ready || Boolean(partsZip) || Boolean(logoData && g.format.value !== 'png');
  g.download.setAttribute('aria-disabled', String(!ready));
  if (ready) {
    g.download.href = fileUrl;
  } else {
    g.download.removeAttribute('href'); // an <a> without href is out of the tab order too
  }
}

function showEmpty(message) {
  wanted = '';
  partsZip = '';
  g.partsList.hidden = true;
  g.partsList.replaceChildren();
  g.preview.hidden = true;
  g.preview.removeAttribute('src');
  delete g.preview.dataset.api;
  g.empty.hidden = false;
  g.empty.textContent = message;
  g.caption.textContent = '';
  setReady(false);
}

function updateCount() {
  const n = [...g.text.value].length;
  g.count.textContent = `${n} character${n === 1 ? '' : 's'}`;
}

function refresh() {
  g.bg.disabled = g.transparent.checked;
  updateCount();
  if (source() === '') {
    say(g.status, '');
    showEmpty('Type some text to see its code.');
    return;
  }
  const size = whole(g.size, 'Size');
  const border = whole(g.border, 'Quiet zone');
  const parts = whole(g.parts, 'Split into symbols');
  const bad = size.error || border.error || parts.error;
  if (bad) {
    say(g.status, bad, 'error');
    showEmpty('Fix the setting above to see the code.');
    return;
  }
  const format = g.format.value;
  if (parts.value > 1) {
    showParts(format, size.value, border.value, parts.value);
    return;
  }
  partsZip = '';
  g.partsList.hidden = true;
  // <img> shows PNG and SVG; PDF and EPS are previewed as PNG with the same settings.
  const previewFormat = format === 'svg' ? 'svg' : 'png';
  pngUrl = qrUrl('png', size.value, border.value);
  fileUrl = qrUrl(format, size.value, border.value);
  let url = qrUrl(previewFormat, size.value, border.value);
  // With a logo the preview is the download: both go through POST.
  if (logoData) {
    url = `${fileUrl}#logo${logoData.length}-${g.logoSize.value}`;
    if (url === wanted) fileUrl = pngUrl = g.preview.src;
  }
  g.download.download = `qr.${format}`; // the same name the service gives in Content-Disposition
  caption(format, previewFormat);
  if (url === wanted) {
    // Same picture (PNG to PDF, say): only the download changes.
    if (!g.preview.hidden && !g.preview.classList.contains('loading')) setReady(true);
    return;
  }
  wanted = url;
  g.preview.classList.add('loading');
  say(g.status, 'Making the code…');
  showScan(null);
  if (logoData) return postLogo(url, format);
  if (!apiKey()) {
    g.preview.dataset.api = url; // the API URL the <img> shows, whatever its src
    g.preview.src = url;
    return;
  }
  // An <img src> cannot send the key: fetch the picture and show it from an object URL.
  api(url)
    .then(async (res) => {
      if (!res.ok) throw new Error(await errorText(res));
      const blob = await res.blob();
      if (url !== wanted) return;
      if (previewBlob) URL.revokeObjectURL(previewBlob);
      previewBlob = URL.createObjectURL(blob);
      g.preview.dataset.api = url;
      g.preview.src = previewBlob;
    })
    .catch((err) => previewFailed(url, err instanceof TypeError ? networkText(err) : err.message));
}

/** The settings as a POST /api/v1/qr body, split over `n` structured-append symbols. */
function partsBody(format, size, border, n) {
  const bg = g.transparent.checked ? 'transparent' : g.bg.value;
  return JSON.stringify({ text: g.text.value, format, size, border, ec: g.ec.value, fg: g.fg.value, bg, parts: n });
}

/** Shows every symbol of the sequence; the download is a ZIP of them in the chosen format. */
async function showParts(format, size, border, n) {
  const body = partsBody('png', size, border, n);
  if (body === wanted) return;
  wanted = body;
  setReady(false);
  say(g.status, `Making ${n} codes…`);
  try {
    const res = await api(QR_URL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    if (!res.ok) throw new Error(await errorText(res));
    const { images } = await res.json();
    if (body !== wanted) return;
    g.preview.hidden = true;
    g.empty.hidden = true;
    g.partsList.replaceChildren(...images.map((img, i) => {
      const fig = document.createElement('figure');
      fig.setAttribute('role', 'listitem');
      const pic = document.createElement('img');
      pic.src = img.data_uri;
      pic.alt = `QR code, part ${i + 1} of ${images.length}`;
      const cap = document.createElement('figcaption');
      cap.className = 'hint';
      cap.textContent = `${i + 1} of ${images.length} (version ${img.version})`;
      fig.append(pic, cap);
      return fig;
    }));
    g.partsList.hidden = false;
    partsZip = partsBody(format, size, border, n);
    fileUrl = '#';
    g.download.download = 'qr-parts.zip';
    g.caption.textContent = `${images.length} symbols, joined back by readers; the download is a ZIP of ${format.toUpperCase()}s`;
    say(g.status, '');
    setReady(true);
  } catch (err) {
    if (body !== wanted) return;
    say(g.status, err instanceof TypeError ? networkText(err) : err.message, 'error');
    showEmpty('No codes for these settings.');
  }
}

// With parts, Download asks for the ZIP (a POST, so not a plain link).
g.download.addEventListener('click', (e) => {
  if (!partsZip) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  const headers = { 'Content-Type': 'application/json', Accept: 'application/zip' };
  saveFrom(QR_URL, 'qr-parts.zip', g.status, { method: 'POST', headers, body: partsZip });
});

function previewFailed(url, message) {
  if (url !== wanted) return;
  g.preview.classList.remove('loading');
  say(g.status, message, 'error');
  showEmpty('No code for these settings.');
}
onKey(() => {
  wanted = ''; // the same settings again, now with the key
  refresh();
});

/** Says what the download is; sizes are the real ones (whole pixels per module, so the
 *  image may come out a little smaller than asked). */
function caption(format, previewFormat) {
  const loaded = !g.preview.hidden && !g.preview.classList.contains('loading');
  const px = loaded ? `${g.preview.naturalWidth} × ${g.preview.naturalHeight} px` : '';
  const name = format.toUpperCase();
  g.caption.textContent =
    format === previewFormat ? `${name}${px ? ', ' + px : ''}` : `Preview as PNG${px ? ' (' + px + ')' : ''}; the download is ${name}`;
}

g.preview.addEventListener('load', () => {
  if (g.preview.dataset.api !== wanted) return;
  g.preview.classList.remove('loading');
  g.preview.hidden = false;
  g.preview.alt = `QR code for: ${source()}`;
  g.empty.hidden = true;
  say(g.status, '');
  setReady(true);
  if (!logoData) scanOf(wanted);
  caption(g.format.value, g.format.value === 'svg' ? 'svg' : 'png');
});

// An <img> cannot read the error body, so ask again with fetch to learn what was wrong.
g.preview.addEventListener('error', async () => {
  const url = g.preview.dataset.api;
  if (!url || url !== wanted) return;
  let message = 'The browser could not show this image.';
  if (!g.preview.src.startsWith('blob:')) {
    try {
      const res = await api(url);
      if (!res.ok) message = await errorText(res);
    } catch (err) {
      message = networkText(err);
    }
  }
  previewFailed(url, message);
});

const refreshSoon = debounce(refresh, 250);
g.form.addEventListener('input', refreshSoon);
g.form.addEventListener('change', refreshSoon);
g.form.addEventListener('submit', (e) => {
  e.preventDefault();
  refresh();
});

g.copy.addEventListener('click', async () => {
  if (!navigator.clipboard || !navigator.clipboard.write || typeof ClipboardItem === 'undefined') {
    say(g.status, 'This browser cannot put pictures on the clipboard; use Download instead.', 'error');
    return;
  }
  const url = pngUrl;
  // The blob is passed as a promise so the clipboard write starts inside the click
  // (Safari refuses writes that begin after an await).
  const blob = api(url).then(async (res) => {
    if (!res.ok) throw new Error(await errorText(res));
    return res.blob();
  });
  try {
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
    say(g.status, 'Image copied (PNG).', 'ok');
  } catch (err) {
    const why = err && err.name === 'NotAllowedError' ? 'the browser did not allow it' : err.message;
    say(g.status, `Could not copy the image: ${why}.`, 'error');
  }
});

g.link.addEventListener('click', async () => {
  try {
    await copyText(new URL(fileUrl, location.href).href);
    const where = apiKey() ? 'This server wants an API key with it.' : 'It works in any <img src>.';
    say(g.status, `Link copied. ${where}`, 'ok');
  } catch (_) {
    say(g.status, 'Could not copy the link.', 'error');
  }
});

keyedLink(g.download, g.status);

// Other content types: the API builds the payload's text, then it is drawn like any text.
const ctype = $('gen-kind');
let built = '';
function source() {
  return ctype.value === 'text' ? g.text.value : built;
}
async function build() {
  if (ctype.value === 'text') return;
  const o = { type: ctype.value };
  // Field names: `a` a value, `a[]` a one-item list, `a[].b` a field of a list's one object,
  // `a.b` a field of an object (a bill's creditor).
  for (const el of $(`pl-${ctype.value}`).elements) {
    const raw = el.type === 'checkbox' ? el.checked : el.value.trim();
    if (!el.name || raw === '' || raw === false) continue;
    const v = el.type === 'number' ? Number(raw) : raw;
    const [key, sub] = el.name.split('[].');
    const [parent, field] = key.split('.');
    if (sub) (o[key] = o[key] || [{}])[0][sub] = v;
    else if (key.endsWith('[]')) o[key.slice(0, -2)] = [v];
    else if (field) (o[parent] = o[parent] || {})[field] = v;
    else o[key] = v;
  }
  built = '';
  if (Object.keys(o).length < 2) return refresh();
  const body = JSON.stringify({ payload: o, format: 'txt' });
  try {
    const res = await api(QR_URL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    if (!res.ok) throw new Error(await errorText(res));
    built = (await res.json()).payload_text;
    refresh();
  } catch (err) {
    refresh();
    say(g.status, err instanceof TypeError ? networkText(err) : err.message, 'error');
  }
}
ctype.addEventListener('change', () => {
  $('gen-text-field').hidden = ctype.value !== 'text';
  for (const f of document.querySelectorAll('.pl')) f.hidden = f.id !== `pl-${ctype.value}`;
  build();
  refresh();
});
g.form.addEventListener('input', debounce(build, 250));

// Settings typed before the script ran (a reload keeps form values) show at once.
refresh();
