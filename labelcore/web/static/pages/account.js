// The account page: reset the API token (POST /api/current-user/reset-token) and show the new
// one once; only its hash is kept on the server.

import { api, openDialog, toast } from "./common.js";

const $ = (id) => document.getElementById(id);

async function reset() {
  $("confirm-reset").disabled = true;
  try {
    const { token } = await api("POST", "/api/current-user/reset-token");
    $("token-value").textContent = token;
    $("token-example").textContent = `curl -H "Authorization: Token ${token}" ${location.origin}/api/projects`;
    $("new-token").hidden = false;
    $("token-state").textContent = "Your new token is below. The previous one no longer works.";
    $("reset-token").textContent = "Reset token";
    toast("New API token created", "success");
  } catch (error) {
    toast(error.message, "error");
  } finally {
    $("confirm-reset").disabled = false;
    $("reset-dialog").close();
  }
}

$("reset-token").addEventListener("click", () => openDialog($("reset-dialog")));
$("confirm-reset").addEventListener("click", reset);
$("copy-token").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("token-value").textContent);
    toast("Copied", "success", 1500);
  } catch {
    const range = document.createRange();
    range.selectNodeContents($("token-value"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    toast("Select and copy the token", "info", 2500);
  }
});
