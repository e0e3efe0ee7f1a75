/* The widget's own styles, inside its Shadow DOM: `all: initial` on the host keeps the
 * page's inherited fonts and colours out; at phone widths the panel fills the screen. */
export const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
button, textarea { font: inherit; }
.launcher, .panel { font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1b1f24; position: fixed; z-index: 2147483000; }
.launcher { right: 20px; bottom: 20px; display: flex; align-items: center; gap: 8px; padding: 12px 20px;
  border: 0; border-radius: 999px; background: var(--accent, #0b5cad); color: #fff; font-weight: 600;
  box-shadow: 0 4px 16px rgba(0, 0, 0, .25); cursor: pointer; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible, .log:focus-visible, a:focus-visible {
  outline: 3px solid #f4b400; outline-offset: 2px; }
.panel { right: 20px; bottom: 20px; width: 370px; height: min(600px, calc(100vh - 40px)); display: flex;
  flex-direction: column; background: #fff; border-radius: 14px; overflow: hidden;
  box-shadow: 0 8px 32px rgba(0, 0, 0, .3); }
.header { display: flex; align-items: center; justify-content: space-between; padding: 12px 16px;
  background: var(--accent, #0b5cad); color: #fff; }
.header h2 { margin: 0; font-size: 17px; font-weight: 600; }
.close { width: 44px; height: 44px; border: 0; border-radius: 8px; background: transparent; color: #fff;
  font-size: 28px; line-height: 1; cursor: pointer; }
.log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px;
  background: #f5f7fa; }
.message { max-width: 85%; padding: 9px 13px; border-radius: 14px; white-space: pre-wrap;
  overflow-wrap: anywhere; }
.message.bot { align-self: flex-start; background: #fff; border: 1px solid #d9dee5; }
.message.user { align-self: flex-end; background: var(--accent, #0b5cad); color: #fff; }
.message.note { align-self: center; background: #fff4e5; color: #6b3d00; font-size: 14px; }
.message a { color: inherit; text-decoration: underline; }
.quick-replies { display: flex; flex-wrap: wrap; gap: 6px; }
.quick-reply { min-height: 40px; padding: 6px 14px; border: 1px solid var(--accent, #0b5cad); border-radius: 999px;
  background: #fff; color: var(--accent, #0b5cad); cursor: pointer; }
.typing { display: flex; gap: 4px; padding: 0 16px 10px; background: #f5f7fa; }
.typing .dot { width: 8px; height: 8px; border-radius: 50%; background: #8a94a3;
  animation: bounce 1.2s infinite ease-in-out; }
.typing .dot:nth-child(3) { animation-delay: .15s; }
.typing .dot:nth-child(4) { animation-delay: .3s; }
@keyframes bounce { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing .dot { animation: none; opacity: .7; } }
.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d9dee5; background: #fff; }
.composer textarea { flex: 1; min-height: 44px; max-height: 120px; padding: 10px 12px; border: 1px solid #8a94a3;
  border-radius: 10px; resize: none; color: #1b1f24; background: #fff; }
.send { min-width: 64px; min-height: 44px; border: 0; border-radius: 10px; background: var(--accent, #0b5cad);
  color: #fff; font-weight: 600; cursor: pointer; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
  .launcher { right: 16px; bottom: 16px; }
}
`;
