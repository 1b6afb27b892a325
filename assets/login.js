// The login page: user name and password (POST /api/v1/login); when the account has a second
// factor the API answers 401 totp_required and the page asks for the code (or a recovery code)
// and logs in again with it. The password stays in this page's memory only between the two steps.
"use strict";

(function () {
  const api = window.sqlgate;
  const loginForm = document.getElementById("login-form");
  const totpForm = document.getElementById("totp-form");
  const message = document.getElementById("message");
  const username = document.getElementById("username");
  const password = document.getElementById("password");
  const code = document.getElementById("code");
  const recovery = document.getElementById("recovery");
  const codeField = document.getElementById("code-field");
  const recoveryField = document.getElementById("recovery-field");
  const useRecovery = document.getElementById("use-recovery");
  const back = document.getElementById("back");

  let pending = null; // {username, password} while the second factor is asked for

  // Whoever comes to the login page starts afresh: nothing an earlier session kept in this tab stays.
  api.forgetSession();

  function busy(form, on) {
    for (const control of form.querySelectorAll("button, input")) control.disabled = on;
  }

  // What happened and what to do, for each error the login can answer with.
  function explain(result, step) {
    const detail = api.sentence(result.error.message);
    switch (result.error.code) {
      case "unauthenticated":
        if (step === "totp") {
          return ["That code did not work", detail + " Codes change every 30 seconds; use the one your app shows now."];
        }
        return [
          "Wrong user name or password",
          "Check both and try again. After repeated failures the account is locked for a while.",
        ];
      case "account_locked":
        return ["This account is locked", detail];
      case "address_locked":
        return ["Logins from this address are paused", detail + " Wait, then try again."];
      case "rate_limited":
        return ["Too many requests", detail];
      case "network":
        return ["The server could not be reached", detail];
      case "store_unavailable":
      case "audit_unavailable":
        return ["sqlgate cannot log you in right now", detail];
      default:
        return ["The login did not work", detail];
    }
  }

  function showTotp() {
    loginForm.hidden = true;
    totpForm.hidden = false;
    code.value = "";
    recovery.value = "";
    code.focus();
  }

  function showPassword() {
    pending = null;
    totpForm.hidden = true;
    loginForm.hidden = false;
    password.value = "";
    password.focus();
  }

  async function logIn(body, form, step) {
    busy(form, true);
    const result = await api.call("POST", "/api/v1/login", body);
    busy(form, false);
    if (result.ok) {
      pending = null;
      password.value = "";
      window.location.assign("/chat");
      return;
    }
    if (result.error.code === "totp_required") {
      pending = { username: body.username, password: body.password };
      api.showMessage(message, null);
      showTotp();
      return;
    }
    const [heading, text] = explain(result, step);
    api.showMessage(message, heading, text);
    (step === "totp" ? (recoveryField.hidden ? code : recovery) : password).focus();
  }

  loginForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const name = username.value.trim();
    if (!name || !password.value) {
      api.showMessage(message, "Enter your user name and password", "Both are needed to log in.");
      (name ? password : username).focus();
      return;
    }
    logIn({ username: name, password: password.value }, loginForm, "password");
  });

  totpForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pending) {
      showPassword();
      return;
    }
    const body = { username: pending.username, password: pending.password };
    if (recoveryField.hidden) {
      const digits = code.value.replace(/\s+/g, "");
      if (!/^[0-9]{6}$/.test(digits)) {
        api.showMessage(message, "Enter the 6-digit code", "Your authenticator app shows it; it changes every 30 seconds.");
        code.focus();
        return;
      }
      body.totp = digits;
    } else {
      const value = recovery.value.trim();
      if (!value) {
        api.showMessage(message, "Enter a recovery code", "You received 10 when you turned the second factor on.");
        recovery.focus();
        return;
      }
      body.recovery_code = value;
    }
    logIn(body, totpForm, "totp");
  });

  useRecovery.addEventListener("click", function () {
    const toRecovery = recoveryField.hidden;
    recoveryField.hidden = !toRecovery;
    codeField.hidden = toRecovery;
    useRecovery.textContent = toRecovery ? "Use a code from the app instead" : "Use a recovery code instead";
    (toRecovery ? recovery : code).focus();
  });

  back.addEventListener("click", function () {
    api.showMessage(message, null);
    showPassword();
  });

  // The forms are sent by this script only: their buttons wait for it (see login.html).
  for (const button of document.querySelectorAll("form button")) button.disabled = false;
  document.body.dataset.ready = "true";
  username.focus();
})();
