#!/usr/bin/env node
import '../../../scripts/herald.mjs';
