// authsvc playground: a reference browser client of /api/v1/auth (docs/playground.md).
// Plain JavaScript, no build step and no library, so any part can be copied into an app.
"use strict";

const API = "/api/v1/auth";

// Tokens live in these variables only. localStorage or sessionStorage would hand them to
// every script of the origin, and keep them after the tab is gone.
let access = null;
let refresh = null;
let mfaToken = null; // a login waiting for its second factor (docs/mfa.md)

// ---- Talking to the API ------------------------------------------------------------------

// Never shown in the log: passwords, codes, tokens, and what rebuilds them.
const SECRET_KEYS = new Set([
  "password", "current_password", "code", "recovery_code", "token", "access", "refresh",
  "mfa_token", "device_token", "secret", "otpauth_uri", "recovery_codes",
]);

function masked(value) {
  if (Array.isArray(value)) return value.map(masked);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (SECRET_KEYS.has(key)) return [key, "«hidden»"];
      if (key === "qr_svg") return [key, "<svg>…</svg>"];
      return [key, masked(item)];
    }),
  );
}

// One request: JSON in, JSON (or nothing) out, logged on the page. Errors are problem
// documents (RFC 9457): match on their `code`, never on the English.
async function send(method, path, body, { bearer = false } = {}) {
  const entry = logRequest(method, path, body);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (bearer && access) headers.Authorization = `Bearer ${access}`;
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  logResponse(entry, response.status, data);
  return { status: response.status, data };
}

// A Bearer request that refreshes the access token once when it has expired. The refresh
// token rotates: the answer holds a new pair, and the old refresh token is dead.
async function sendAuthorized(method, path, body) {
  let result = await send(method, path, body, { bearer: true });
  if (result.status === 401 && result.data?.code === "token_invalid" && refresh) {
    const renewed = await send("POST", "/token/refresh", { refresh });
    if (renewed.status !== 200) {
      forget(); // the session is over (ended elsewhere, or past its lifetime): log in again
      return result;
    }
    keepTokens(renewed.data);
    result = await send(method, path, body, { bearer: true });
  }
  return result;
}

function keepTokens(data) {
  access = data.access;
  refresh = data.refresh;
  mfaToken = null;
  show("second-factor", false);
  const who = data.user ? ` as ${data.user.username}` : "";
  setText("state", `Logged in${who}; access and refresh tokens held in memory.`);
}

function forget() {
  access = refresh = mfaToken = null;
  setText("state", "Not logged in.");
}

// ---- WebAuthn: base64url <-> ArrayBuffer ---------------------------------------------------

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The server sends py_webauthn's JSON options; the browser wants ArrayBuffers. Browsers
// with WebAuthn Level 3 convert them themselves.
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

// The credential as JSON for the server: toJSON() where the browser has it, else by hand.
function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
  };
}

async function passkeyAssertion(options) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  return credentialJSON(credential);
}

// ---- The flows -------------------------------------------------------------------------------

async function register(form) {
  const { status, data } = await send("POST", "/register", fields(form, "username", "email", "password"));
  if (status === 201 && data.access) keepTokens(data);
  else if (status === 201) setText("state", "Registered; confirm the address from the mail, then log in.");
}

async function login(form) {
  const { status, data } = await send("POST", "/login", fields(form, "login", "password"));
  if (status === 200) keepTokens(data);
  else if (status === 401 && data.code === "mfa_required") askSecondFactor(data);
}

function askSecondFactor(problem) {
  mfaToken = problem.mfa_token;
  setText("mfa-methods", problem.methods.join(", "));
  show("mfa-passkey", problem.methods.includes("passkey"));
  show("second-factor", true);
  setText("state", "Password accepted; waiting for the second factor.");
}

async function finishLogin(factor) {
  const { status, data } = await send("POST", "/login/mfa", { mfa_token: mfaToken, ...factor });
  if (status === 200) keepTokens(data);
  // token_invalid: the mfa_token is used up, expired or out of tries; start again.
  else if (data?.code === "token_invalid") show("second-factor", false);
}

async function passkeyAsSecondFactor() {
  const { status, data } = await send("POST", "/login/mfa/passkey/options", { mfa_token: mfaToken });
  if (status !== 200) return;
  const credential = await passkeyAssertion(data.options);
  await finishLogin({ challenge_id: data.challenge_id, credential });
}

async function passkeyLogin() {
  const { status, data } = await send("POST", "/passkeys/login/options", {});
  if (status !== 200) return;
  const credential = await passkeyAssertion(data.options);
  const verified = await send("POST", "/passkeys/login/verify", { challenge_id: data.challenge_id, credential });
  if (verified.status === 200) keepTokens(verified.data);
}

async function passkeyCreate(form) {
  const { status, data } = await sendAuthorized("POST", "/passkeys/register/options", {});
  if (status !== 200) return;
  const created = await navigator.credentials.create({ publicKey: creationOptions(data.options) });
  const credential = credentialJSON(created);
  const body = { challenge_id: data.challenge_id, credential, name: form.elements.name.value };
  const verified = await sendAuthorized("POST", "/passkeys/register/verify", body);
  if (verified.status === 201) await passkeysList();
}

async function passkeysList() {
  const { status, data } = await sendAuthorized("GET", "/passkeys");
  if (status !== 200) return;
  replaceChildren("passkeys", data.passkeys.map((passkey) => element("li", passkey.name)));
}

async function totpStart(form) {
  const { status, data } = await sendAuthorized("POST", "/mfa/totp", fields(form, "current_password"));
  if (status !== 200) return;
  setText("totp-secret", data.secret);
  // The SVG is drawn by the server, without script or style. Parsed as SVG and imported,
  // it creates no inline style that the Content-Security-Policy would refuse.
  const svg = new DOMParser().parseFromString(data.qr_svg, "image/svg+xml").documentElement;
  replaceChildren("totp-qr", [document.importNode(svg, true)]);
  show("totp-enrol", true);
}

async function totpConfirm(form) {
  const { status, data } = await sendAuthorized("POST", "/mfa/totp/confirm", fields(form, "code"));
  if (status !== 200) return;
  // The confirm ended every session, this one too: the answer carries the new one.
  keepTokens(data);
  replaceChildren("recovery-codes", data.recovery_codes.map((code) => element("li", code)));
  show("totp-enrol", false);
  show("recovery", true);
}

async function sessionsList() {
  const { status, data } = await sendAuthorized("GET", "/sessions");
  if (status !== 200) return;
  const rows = data.sessions.map((session) => {
    const end = element("button", session.current ? "End (this one)" : "End");
    end.type = "button";
    end.addEventListener("click", () => run(() => sessionEnd(session.id)));
    const row = element("tr", "", [
      element("td", session.created_at), element("td", session.ip ?? ""),
      element("td", session.amr.join(" ")), element("td", "", [end]),
    ]);
    row.dataset.sessionId = session.id;
    row.dataset.current = String(session.current);
    return row;
  });
  replaceChildren(document.querySelector("#sessions tbody"), rows);
  show("sessions", true);
}

async function sessionEnd(id) {
  const { status } = await sendAuthorized("DELETE", `/sessions/${id}`);
  if (status === 204) await sessionsList();
}

// The tokens are forgotten whatever the answer: a client that failed to reach the server
// still must not keep a session the user asked to end.
async function logout() {
  try {
    await send("POST", "/logout", { refresh }, { bearer: true });
  } finally {
    forget();
  }
}

// ---- The page ------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const show = (id, visible) => { $(id).hidden = !visible; };
const setText = (id, text) => { $(id).textContent = text; };

function element(tag, text, children = []) {
  const node = document.createElement(tag);
  node.textContent = text;
  node.append(...children);
  return node;
}

function replaceChildren(target, children) {
  (typeof target === "string" ? $(target) : target).replaceChildren(...children);
}

function fields(form, ...names) {
  return Object.fromEntries(names.map((name) => [name, form.elements[name].value]));
}

let sequence = 0;

function logRequest(method, path, body) {
  const entry = element("article", "", [
    element("h3", `${method} ${API}${path}`),
    element("pre", body === undefined ? "(no body)" : JSON.stringify(masked(body), null, 2)),
  ]);
  entry.className = "entry";
  Object.assign(entry.dataset, { seq: String(++sequence), method, path });
  $("log").prepend(entry);
  return entry;
}

function logResponse(entry, status, data) {
  const statusLine = element("p", `→ ${status}`);
  statusLine.className = status < 400 ? "status ok" : "status error";
  const json = data === null ? "(no body)" : JSON.stringify(masked(data), null, 2);
  entry.append(statusLine, element("pre", json));
  entry.dataset.status = String(status);
}

// What fails in the browser rather than at the server (a refused WebAuthn ceremony, the
// network) is shown in the log too, by the name the browser gives it.
function logFailure(error) {
  const entry = element("article", "", [element("h3", "Browser"), element("p", `${error.name}: ${error.message}`)]);
  entry.className = "entry failure";
  Object.assign(entry.dataset, { seq: String(++sequence), error: error.name });
  $("log").prepend(entry);
}

async function run(action) {
  try {
    await action();
  } catch (error) {
    logFailure(error);
  }
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    run(() => handler(event.target));
  });
}

function onClick(id, handler) {
  $(id).addEventListener("click", () => run(handler));
}

document.addEventListener("DOMContentLoaded", () => {
  onSubmit("register-form", register);
  onSubmit("login-form", login);
  onSubmit("mfa-totp-form", (form) => finishLogin(fields(form, "code")));
  onSubmit("mfa-recovery-form", (form) => finishLogin(fields(form, "recovery_code")));
  onClick("mfa-passkey", passkeyAsSecondFactor);
  onClick("passkey-login", passkeyLogin);
  onSubmit("verify-form", (form) => send("POST", "/email/verify", fields(form, "token")));
  onClick("verify-resend", () => sendAuthorized("POST", "/email/verify/resend"));
  onClick("me", () => sendAuthorized("GET", "/me"));
  onClick("mfa-status", () => sendAuthorized("GET", "/mfa"));
  onSubmit("totp-start-form", totpStart);
  onSubmit("totp-confirm-form", totpConfirm);
  onSubmit("totp-off-form", (form) => sendAuthorized("DELETE", "/mfa/totp", fields(form, "code")));
  onSubmit("passkey-create-form", passkeyCreate);
  onClick("passkeys-list", passkeysList);
  onClick("sessions-list", sessionsList);
  onClick("logout", logout);
  onClick("clear-log", () => replaceChildren("log", []));
});
