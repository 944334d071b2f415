/** `@herald/cli` for the service entry points (services/*): the same `main` as scripts/herald.mjs runs. */
export { main } from './main.js';
