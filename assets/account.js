// The account page: set up (or replace) the second factor and change the password. Enrolment
// (POST /api/v1/me/totp/enrol, with the current password, and the current code when a factor is
// on) answers with a QR code the server rendered as SVG, shown as an <img> from a data: URI (an
// SVG in an <img> runs no script), and the secret as text for typing into an app; the code the
// app then shows is sent to POST /api/v1/me/totp/verify, which turns the factor on and answers
// with the recovery codes, shown once. The secret stays only in this page's DOM until the factor
// is verified, then it is removed from it; nothing is stored in the browser or logged.
// POST /api/v1/me/password changes the password and ends every session, this one too.
"use strict";

(function () {
  const api = window.sqlgate;
  const el = api.el;
  const root = document.getElementById("account");
  const message = document.getElementById("message");
  const status = document.getElementById("status");
  const state = document.getElementById("totp-state");
  const enrolForm = document.getElementById("enrol-form");
  const enrolPassword = document.getElementById("enrol-password");
  const enrolCode = document.getElementById("enrol-code");
  const enrolButton = document.getElementById("enrol");
  const enrolment = document.getElementById("enrolment");
  const qr = document.getElementById("qr");
  const qrMissing = document.getElementById("qr-missing");
  const secret = document.getElementById("secret");
  const verifyForm = document.getElementById("verify-form");
  const verifyCode = document.getElementById("verify-code");
  const verifyButton = document.getElementById("verify");
  const recovery = document.getElementById("recovery");
  const recoveryCodes = document.getElementById("recovery-codes");
  const passwordForm = document.getElementById("password-form");
  const currentPassword = document.getElementById("current-password");
  const newPassword = document.getElementById("new-password");
  const repeatPassword = document.getElementById("repeat-password");
  const passwordButton = document.getElementById("change-password");

  function logInAgain() {
    return el("p", {}, el("a", { href: "/login", text: "Log in again" }));
  }

  // Shows an API error as {heading, text} in the page's alert, in words that say what to do.
  function showError(r, doing) {
    const detail = api.sentence(r.error.message);
    const code = r.error.code;
    let e;
    if (code === "wrong_password") e = { heading: "The current password is wrong", text: "Type it again. Repeated failures lock the account for a while." };
    else if (code === "totp_required") e = { heading: "Enter the current code", text: detail };
    else if (code === "wrong_code") e = { heading: "That code did not work", text: detail };
    else if (code === "account_locked" || code === "address_locked") e = { heading: "Too many failed attempts", text: detail };
    else e = api.commonError(r, "try again") || { heading: doing, text: detail };
    api.showMessage(message, e.heading, e.text, e.link);
  }

  function clear() {
    api.showMessage(message, null);
    api.showMessage(status, null);
  }

  async function enrol() {
    clear();
    if (!enrolPassword.value) {
      api.showMessage(message, "Enter your current password", "Setting up a second factor needs it, so that a borrowed session cannot.");
      enrolPassword.focus();
      return;
    }
    const body = { current_password: enrolPassword.value };
    if (enrolCode && enrolCode.value.trim()) body.totp = enrolCode.value.trim();
    enrolButton.disabled = true;
    const r = await api.call("POST", "/api/v1/me/totp/enrol", body);
    enrolButton.disabled = false;
    if (!r.ok) {
      showError(r, "The second factor could not be set up");
      const codeWrong = r.error.code === "wrong_code" || r.error.code === "totp_required";
      (codeWrong && enrolCode ? enrolCode : enrolPassword).focus();
      return;
    }
    enrolPassword.value = "";
    if (enrolCode) enrolCode.value = "";
    enrolForm.hidden = true;
    if (typeof r.data.qr_svg === "string" && r.data.qr_svg) {
      qr.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.data.qr_svg);
      qr.hidden = false;
      qrMissing.hidden = true;
    } else {
      qr.hidden = true;
      qrMissing.hidden = false;
    }
    secret.textContent = String(r.data.secret || "");
    enrolment.hidden = false;
    verifyCode.focus();
  }

  async function verify() {
    clear();
    const code = verifyCode.value.trim();
    if (!/^[0-9]{6}$/.test(code)) {
      api.showMessage(message, "Enter the 6-digit code", "Type the code your authenticator app shows now, digits only.");
      verifyCode.focus();
      return;
    }
    verifyButton.disabled = true;
    const r = await api.call("POST", "/api/v1/me/totp/verify", { code: code });
    verifyButton.disabled = false;
    if (!r.ok) {
      showError(r, "That code did not work");
      verifyCode.select();
      return;
    }
    // On: the secret leaves the page; the recovery codes are shown this once.
    qr.removeAttribute("src");
    secret.textContent = "";
    verifyCode.value = "";
    enrolment.hidden = true;
    const codes = Array.isArray(r.data.recovery_codes) ? r.data.recovery_codes : [];
    recoveryCodes.replaceChildren(...codes.map(function (c) { return el("li", { text: String(c) }); }));
    recovery.hidden = false;
    root.dataset.totp = "on";
    state.replaceChildren(el("strong", { text: "On." }),
      " Logging in needs your password and the 6-digit code your authenticator app shows.");
    recovery.focus();
  }

  async function changePassword() {
    clear();
    if (!currentPassword.value || !newPassword.value) {
      api.showMessage(message, "Fill in both passwords", "Enter your current password and the new one.");
      (currentPassword.value ? newPassword : currentPassword).focus();
      return;
    }
    if (newPassword.value !== repeatPassword.value) {
      api.showMessage(message, "The new passwords differ", "Type the same new password in both fields.");
      repeatPassword.focus();
      return;
    }
    passwordButton.disabled = true;
    const r = await api.call("POST", "/api/v1/me/password", { current: currentPassword.value, new: newPassword.value });
    passwordButton.disabled = false;
    if (!r.ok) {
      showError(r, "The password was not changed");
      return;
    }
    for (const field of [currentPassword, newPassword, repeatPassword]) field.value = "";
    // Every session has ended: nothing on this page works any more but logging in again.
    document.getElementById("totp").hidden = true;
    document.getElementById("password").hidden = true;
    api.showMessage(status, "Your password was changed",
      "Every session of yours has ended, this one too. Log in again with the new password.", logInAgain());
    status.focus();
  }

  enrolForm.addEventListener("submit", function (event) {
    event.preventDefault();
    enrol();
  });
  verifyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    verify();
  });
  passwordForm.addEventListener("submit", function (event) {
    event.preventDefault();
    changePassword();
  });

  api.wireLogout(document.getElementById("logout"), function (r) { showError(r, "You could not be logged out"); });
  document.body.dataset.ready = "true";
})();
