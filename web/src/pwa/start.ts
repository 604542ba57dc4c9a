// Imported once by main.tsx; a module of its own so importing register.ts does nothing.
import { startServiceWorker } from "./register";

startServiceWorker();
