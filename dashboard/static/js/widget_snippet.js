/* Settings page: the "Copy snippet" button copies the chat widget's <script> line. */
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("copy-snippet");
  if (!button) return;
  const status = document.getElementById("copy-status");
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copies);
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (_) {
      // Without clipboard permission (plain http), select the text and use the older command.
      field.select();
      document.execCommand("copy");
    }
    status.textContent = "Copied.";
  });
});
