// qrsmith web page, what every tab shares: status lines, error words, the clipboard, form
// helpers, and the API key bar with api(), the fetch that sends the key and asks for one on a 401.

export const $ = (id) => document.getElementById(id);

/** Shows a sentence in a status line; `kind` is '', 'ok' or 'error'. */
export function say(el, text, kind = '') {
  el.textContent = text;
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('ok', kind === 'ok');
}

/** The words of a failed API answer: the service's `{"error":{"message"}}`, else the status. */
export async function errorText(res) {
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
export function networkText(err) {
  if (err && err.name === 'AbortError') return 'The request was cancelled.';
  return 'Could not reach the server. Is it still running?';
}

/** Copies text: the async Clipboard API where allowed, else a selection + execCommand. */
export async function copyText(text) {
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
const keyListeners = []; // what to redo once a key is given (the preview, the links list)

/** The key of this tab, or ''; storage can be refused (private modes), then there is none. */
export function apiKey() {
  try {
    return sessionStorage.getItem(KEY_ITEM) || '';
  } catch (_) {
    return '';
  }
}

/** fetch() for the API: adds the key, and on a 401 asks for one. Callers still see the 401. */
export async function api(url, opts = {}) {
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
  keyListeners.forEach((fn) => fn());
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

/** Runs `fn` each time a key is given. */
export function onKey(fn) {
  keyListeners.push(fn);
}

/** Saves what `url` answers as a file: how links download when a key must go with them. */
export async function saveFrom(url, name, status, opts) {
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
export function keyedLink(a, status) {
  a.addEventListener('click', (e) => {
    if (!apiKey() || !a.getAttribute('href') || a.href.startsWith('blob:')) return;
    e.preventDefault();
    saveFrom(a.href, a.download, status);
  });
}

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Reads a whole number from a number input, or explains what is wrong with it. */
export function whole(input, name) {
  const min = Number(input.min);
  const max = Number(input.max);
  const raw = input.value.trim();
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < min || n > max) {
    return { error: `${name} must be a whole number from ${min} to ${max}.` };
  }
  return { value: n };
}
