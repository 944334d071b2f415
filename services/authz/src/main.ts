/** Authz service entry point (container command): `herald authz`; the logic lives in packages/authz. */
import { main } from '@herald/cli';

process.exitCode = await main(['authz']);
