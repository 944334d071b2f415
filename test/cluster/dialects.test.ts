import { dialectSuite } from '../support/dialect-suite.js';

dialectSuite('cluster');
