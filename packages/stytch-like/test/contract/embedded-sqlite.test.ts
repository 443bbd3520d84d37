import { stytchLikeContract } from './stytch-like-contract.js';

stytchLikeContract('embedded', 'sqlite');
