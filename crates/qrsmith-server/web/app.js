// qrsmith web page: generate on the left, read on the right. Plain DOM, no framework.
// The page runs under a strict Content-Security-Policy: no inline script or style, so every
// handler is attached here and every look is a class in style.css. User data (decoded text,
// error messages) only ever reaches the page through textContent and attributes, never HTML.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const QR_URL = '/api/v1/qr';
  const DECODE_URL = '/api/v1/decode';

  // ---------------------------------------------------------------- shared helpers

  /** Shows a sentence in a status line; `kind` is '', 'ok' or 'error'. */
  function say(el, text, kind = '') {
    el.textContent = text;
    el.classList.toggle('error', kind === 'error');
    el.classList.toggle('ok', kind === 'ok');
  }

  /** The words of a failed API answer: the service's `{"error":{"message"}}`, else the status. */
  async function errorText(res) {
    try {
      const body = await res.json();
      if (body && body.error && typeof body.error.message === 'string' && body.error.message) {
        return body.error.message;
      }
    } catch (_) {
      // Not JSON (a proxy's page, say): fall through to the status line.
    }
    if (res.status === 413) return 'The picture is too large for this server.';
    if (res.status === 429 || res.status === 503) return 'The server is busy; try again in a moment.';
    return `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}.`;
  }

  /** Words for a fetch that never got an answer. */
  function networkText(err) {
    if (err && err.name === 'AbortError') return 'The request was cancelled.';
    return 'Could not reach the server. Is it still running?';
  }

  /** Copies text: the async Clipboard API where allowed, else a selection + execCommand. */
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain-HTTP pages on another host are not a secure context: fall back to the old way.
    const area = document.createElement('textarea');
    area.value = text;
    area.className = 'visually-hidden';
    area.setAttribute('readonly', '');
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    if (!done) throw new Error('copy refused');
  }

  // ---------------------------------------------------------------- API key

  // When the server has API keys it answers 401 to every API call without one. The key the
  // person types is kept for this tab only (sessionStorage) and sent as X-API-Key on every call.
  const k = { form: $('key-form'), input: $('key-input'), forget: $('key-forget'), status: $('key-status') };
  const KEY_ITEM = 'qrsmith.apiKey';
  let onKey = () => {}; // what to redo once a key is given (the preview)

  /** The key of this tab, or ''; storage can be refused (private modes), then there is none. */
  function apiKey() {
    try {
      return sessionStorage.getItem(KEY_ITEM) || '';
    } catch (_) {
      return '';
    }
  }

  /** fetch() for the API: adds the key, and on a 401 asks for one. Callers still see the 401. */
  async function api(url, opts = {}) {
    const headers = new Headers(opts.headers);
    const key = apiKey();
    if (key) headers.set('X-API-Key', key);
    const res = await fetch(url, { ...opts, headers });
    if (res.status === 401) {
      let code = '';
      try {
        code = (await res.clone().json()).error.code;
      } catch (_) {
        // Not the service's JSON: still a request for a key.
      }
      k.form.hidden = false;
      say(
        k.status,
        key && code !== 'api_key_required'
          ? 'The server refused this API key. Enter another one.'
          : 'This server needs an API key. Enter yours to go on.',
        'error',
      );
    }
    return res;
  }

  k.form.hidden = !apiKey();
  k.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = k.input.value.trim();
    if (!key) {
      say(k.status, 'Type or paste the key first.', 'error');
      return;
    }
    try {
      sessionStorage.setItem(KEY_ITEM, key);
    } catch (_) {
      say(k.status, 'This browser does not let the page keep the key.', 'error');
      return;
    }
    k.input.value = '';
    say(k.status, 'Key set for this tab; it is sent with every request.', 'ok');
    onKey();
    if (linksTab) openLinks(); // the links of this key
  });
  k.forget.addEventListener('click', () => {
    try {
      sessionStorage.removeItem(KEY_ITEM);
    } catch (_) {
      // Nothing was kept.
    }
    k.input.value = '';
    say(k.status, 'Key forgotten.', 'ok');
  });

  /** Saves what `url` answers as a file: how links download when a key must go with them. */
  async function saveFrom(url, name, status, opts) {
    try {
      const res = await api(url, opts);
      if (!res.ok) {
        say(status, await errorText(res), 'error');
        return;
      }
      const blobUrl = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = blobUrl;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(blobUrl), 60000);
    } catch (err) {
      say(status, networkText(err), 'error');
    }
  }

  /** A download link that fetches with the key when there is one (a plain link cannot send it). */
  function keyedLink(a, status) {
    a.addEventListener('click', (e) => {
      if (!apiKey() || !a.getAttribute('href') || a.href.startsWith('blob:')) return;
      e.preventDefault();
      saveFrom(a.href, a.download, status);
    });
  }

  function debounce(fn, ms) {
    let timer = 0;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // ---------------------------------------------------------------- generate

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

  /** Reads a whole number from a number input, or explains what is wrong with it. */
  function whole(input, name) {
    const min = Number(input.min);
    const max = Number(input.max);
    const raw = input.value.trim();
    const n = Number(raw);
    if (raw === '' || !Number.isInteger(n) || n < min || n > max) {
      return { error: `${name} must be a whole number from ${min} to ${max}.` };
    }
    return { value: n };
  }

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
  onKey = () => {
    wanted = ''; // the same settings again, now with the key
    refresh();
  };

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

  // ---------------------------------------------------------------- decode

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

  // ---------------------------------------------------------------- batch

  const b = {
    form: $('b-form'),
    drop: $('b-drop'),
    dropText: $('b-drop-text'),
    file: $('b-file'),
    choose: $('b-choose'),
    chosen: $('b-chosen'),
    gen: $('b-gen'),
    dec: $('b-dec'),
    format: $('b-format'),
    size: $('b-size'),
    ec: $('b-ec'),
    start: $('b-start'),
    status: $('b-status'),
    job: $('b-job'),
    progress: $('b-progress'),
    counts: $('b-counts'),
    download: $('b-download'),
    cancel: $('b-cancel'),
    errors: $('b-errors'),
  };
  const JOBS_URL = '/api/v1/jobs';
  const FINAL = ['succeeded', 'failed', 'cancelled'];
  let files = []; // what the next job will upload
  let watching = ''; // id of the job being shown; a poll for another one stops
  let pollTimer = 0;

  const kind = () => b.form.elements.type.value;
  const isCsv = (f) => /\.csv$/i.test(f.name) || f.type === 'text/csv';

  /** Sets the kind of job, and what the picker offers for it. */
  function setKind(value) {
    b.form.elements.type.value = value;
    const gen = value === 'generate';
    b.gen.hidden = !gen;
    b.dec.hidden = gen;
    b.file.multiple = !gen;
    b.file.accept = gen ? '.csv,text/csv' : 'image/*,.zip,application/zip';
    b.dropText.textContent = gen ? 'Drop a CSV file here, or' : 'Drop pictures or a ZIP here, or';
    b.choose.textContent = gen ? 'Choose a CSV file…' : 'Choose pictures or a ZIP…';
    if (gen && files.length && !(files.length === 1 && isCsv(files[0]))) choose([]);
    if (!gen && files.some(isCsv)) choose([]);
  }

  function choose(list) {
    files = list;
    const size = list.reduce((n, f) => n + f.size, 0);
    b.chosen.textContent = list.length
      ? `${list.length === 1 ? list[0].name : `${list.length} files`} (${(size / 1024).toFixed(1)} KB)`
      : 'Nothing chosen yet.';
  }

  b.form.addEventListener('change', (e) => {
    if (e.target.name === 'type') setKind(kind());
  });
  b.file.addEventListener('change', () => {
    choose([...b.file.files]);
    b.file.value = '';
  });

  let bDepth = 0;
  b.drop.addEventListener('dragenter', (e) => {
    e.preventDefault();
    bDepth += 1;
    b.drop.classList.add('over');
  });
  b.drop.addEventListener('dragover', (e) => e.preventDefault());
  b.drop.addEventListener('dragleave', () => {
    bDepth = Math.max(0, bDepth - 1);
    if (bDepth === 0) b.drop.classList.remove('over');
  });
  b.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    bDepth = 0;
    b.drop.classList.remove('over');
    const list = e.dataTransfer ? [...e.dataTransfer.files] : [];
    if (!list.length) return;
    // The files say what the job is: one CSV makes codes, anything else is read.
    setKind(list.length === 1 && isCsv(list[0]) ? 'generate' : 'decode');
    choose(list);
    say(b.status, '');
  });

  b.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const gen = kind() === 'generate';
    if (!files.length) {
      say(b.status, gen ? 'Choose a CSV file first.' : 'Choose some pictures or a ZIP first.', 'error');
      return;
    }
    const body = new FormData();
    body.append('type', kind());
    if (gen) {
      // Blank size: the server's default; a row's own cells win over these.
      const size = b.size.value.trim();
      if (size) {
        const n = whole(b.size, 'Size');
        if (n.error) {
          say(b.status, n.error, 'error');
          return;
        }
        body.append('size', String(n.value));
      }
      body.append('format', b.format.value);
      body.append('ec', b.ec.value);
    }
    files.forEach((f) => body.append('file', f, f.name));
    b.start.disabled = true;
    say(b.status, 'Sending…');
    try {
      const res = await api(JOBS_URL, { method: 'POST', body });
      if (!res.ok) {
        say(b.status, await errorText(res), 'error');
        return;
      }
      const job = await res.json();
      say(b.status, '');
      watch(job);
    } catch (err) {
      say(b.status, networkText(err), 'error');
    } finally {
      b.start.disabled = false;
    }
  });

  /** Shows a job and polls it until it is final: 250 ms, growing by half up to 3 s. */
  function watch(job) {
    clearTimeout(pollTimer);
    watching = job.id;
    b.job.hidden = false;
    b.errors.replaceChildren();
    let delay = 250;
    const poll = async () => {
      try {
        const res = await api(`${JOBS_URL}/${encodeURIComponent(job.id)}`);
        if (watching !== job.id) return;
        if (res.status === 404) {
          say(b.status, await errorText(res), 'error');
          b.cancel.hidden = true;
          return;
        }
        if (res.ok) {
          if (!showJob(await res.json())) return;
        } else {
          say(b.status, `${await errorText(res)} Still trying…`, 'error');
        }
      } catch (err) {
        if (watching !== job.id) return;
        say(b.status, `${networkText(err)} Still trying…`, 'error');
      }
      delay = Math.min(delay * 1.5, 3000);
      pollTimer = setTimeout(poll, delay);
    };
    if (showJob(job)) pollTimer = setTimeout(poll, delay);
  }

  /** Draws a job's state; false once it is final (nothing more to wait for). */
  function showJob(job) {
    if (job.id !== watching) return false;
    const total = Number(job.total) || 0;
    const done = Number(job.done) || 0;
    const failed = Number(job.failed) || 0;
    const final = FINAL.includes(job.status);
    b.progress.max = Math.max(total, 1);
    b.progress.value = Math.min(done, total);
    const what = job.type === 'decode' ? 'pictures' : 'rows';
    const state = {
      queued: 'Waiting to start',
      running: 'Working',
      succeeded: 'Done',
      failed: 'Failed',
      cancelled: 'Cancelled',
    }[job.status] || String(job.status);
    b.counts.textContent = `${state}: ${done} of ${total} ${what} done, ${failed} failed.`;
    b.cancel.hidden = final;

    const items = Array.isArray(job.errors) ? job.errors : [];
    const lis = items.map((x) => {
      const li = document.createElement('li');
      const which = job.type === 'decode' ? 'File' : 'Row';
      const name = x.name ? ` (${x.name})` : '';
      // Rows refused on arrival carry "row N: " already; say it once.
      li.textContent = `${which} ${x.row}${name}: ${String(x.message || x.code).replace(/^row \d+: /, '')}`;
      return li;
    });
    if (failed > items.length) {
      const li = document.createElement('li');
      const list = job.type === 'decode' ? 'results.csv' : 'manifest.csv';
      li.textContent = `…and ${failed - items.length} more; ${list} in the ZIP lists them all.`;
      lis.push(li);
    }
    b.errors.replaceChildren(...lis);

    if (job.status === 'succeeded' && job.result) {
      b.download.href = job.result;
      b.download.download = `qrsmith-${job.id}.zip`;
      b.download.hidden = false;
      say(b.status, failed ? `Finished; ${failed} failed, see below.` : 'Finished.', failed ? '' : 'ok');
    } else {
      b.download.hidden = true;
      b.download.removeAttribute('href');
      if (job.status === 'failed') say(b.status, job.error ? `The job failed: ${job.error}` : 'The job failed.', 'error');
      if (job.status === 'cancelled') say(b.status, 'The job was cancelled.');
    }
    return !final;
  }

  b.cancel.addEventListener('click', async () => {
    const id = watching;
    if (!id) return;
    try {
      const res = await api(`${JOBS_URL}/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (!res.ok) {
        say(b.status, await errorText(res), 'error');
        return;
      }
      clearTimeout(pollTimer);
      showJob(await res.json());
    } catch (err) {
      say(b.status, networkText(err), 'error');
    }
  });
  keyedLink(b.download, b.status);

  // ---------------------------------------------------------------- links

  // The Links tab is links.js (and links.css), imported the first time the tab opens, so it
  // costs the page's first load nothing. The panel names both files: the server rewrites those
  // names in index.html to versioned URLs, cached for good.
  const lp = $('links');
  let linksTab = null; // the tab's promise, once asked for

  function openLinks() {
    if (linksTab) {
      linksTab.then((tab) => tab.load(), () => {});
      return;
    }
    const helpers = { api, say, errorText, networkText, copyText, saveFrom };
    linksTab = import(lp.dataset.js).then((m) => m.start(lp, helpers));
    linksTab.catch(() => {
      linksTab = null; // opening the tab again tries again
      const p = document.createElement('p');
      say(p, 'The Links tab could not be loaded. Is the server still running?', 'error');
      p.classList.add('status');
      lp.replaceChildren(p);
    });
  }

  // ---------------------------------------------------------------- tabs

  // Tabs as ARIA describes them: one tab stop, arrow keys (and Home/End) move between tabs.
  const tabs = [...document.querySelectorAll('[role=tab]')];
  function select(tab, focus) {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    });
    if (tab.id === 'tab-links') openLinks();
    if (focus) tab.focus();
  }
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(t, false));
    t.addEventListener('keydown', (e) => {
      const n = tabs.length;
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      select(tabs[to % n], true);
    });
  });
  if (location.hash === '#batch') select($('tab-batch'), false);
  if (location.hash === '#links') select($('tab-links'), false);

  // Settings typed before the script ran (a reload keeps form values) show at once.
  setKind(kind());
  refresh();
})();
