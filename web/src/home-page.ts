/** Home page: say whether this page may use threads (cross-origin isolation). */
import { setupPage } from "./common.js";

setupPage();
const el = document.getElementById("isolation")!;
el.textContent = crossOriginIsolated
  ? `This page is cross-origin isolated: training may use up to ${navigator.hardwareConcurrency} threads.`
  : "This page is not cross-origin isolated (the server sent no COOP/COEP headers): fundl runs on one thread. Use `npx fundl serve`.";
