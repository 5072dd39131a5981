/* Copy buttons for code blocks.
 *
 * Added here at load, so a page read without JavaScript shows no button that cannot
 * work. A button copies the code only: line numbers are drawn by CSS and are not in the
 * text, and sessions (pycon, console) carry their commands, without prompts or output,
 * in data-copy, written at build time from Pygments' own prompt tokens.
 */
(() => {
  "use strict";

  const RESET_MS = 2000;

  function codeOf(block) {
    const text = block.dataset.copy ?? block.querySelector("pre code")?.textContent ?? "";
    return text.replace(/\n+$/, "");
  }

  async function writeText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain http:// on a host other than localhost has no Clipboard API: the old way.
    const focused = document.activeElement;
    const area = document.createElement("textarea");
    area.value = text;
    area.readOnly = true;
    area.className = "code-copy-buffer";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    focused?.focus();
    if (!ok) throw new Error("copy refused");
  }

  function addButtons() {
    const blocks = document.querySelectorAll("div.highlight");
    if (blocks.length === 0) return;
    const status = document.createElement("div");
    status.className = "code-copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    document.body.append(status);

    for (const block of blocks) {
      const name = block.querySelector(".code-name")?.textContent;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", name ? `Copy code: ${name}` : "Copy code");
      let timer = 0;
      button.addEventListener("click", async () => {
        let copied = true;
        try {
          await writeText(codeOf(block));
        } catch {
          copied = false;
        }
        button.textContent = copied ? "Copied" : "Failed";
        button.classList.toggle("copied", copied);
        status.textContent = copied
          ? "Copied to clipboard"
          : "Could not copy: select the code and copy it by hand";
        clearTimeout(timer);
        timer = setTimeout(() => {
          button.textContent = "Copy";
          button.classList.remove("copied");
          status.textContent = "";
        }, RESET_MS);
      });
      block.prepend(button);
      block.classList.add("has-copy");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", addButtons);
  } else {
    addButtons();
  }
})();
