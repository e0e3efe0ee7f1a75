// Forms with data-confirm ask before they submit (Decline a job, erase a customer).
// A script file, not an inline handler: the content policy refuses inline scripts.
document.addEventListener("submit", function (event) {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
