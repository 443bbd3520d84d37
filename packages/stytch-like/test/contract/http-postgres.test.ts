import { stytchLikeContract } from './stytch-like-contract.js';

stytchLikeContract('http', 'postgres');
