import { describeSessionStoreContract } from './store-contract.js';
import { testStoreLocation } from '../helpers/stores.js';

describeSessionStoreContract(testStoreLocation('memory'));
