/** Every emulated operation, in match order (literal segments before parameters). */
import type { Route } from '../router';
import { queueRoutes } from './queues';
import { roleRoutes } from './roles';
import { userRoutes } from './users';

export const routes: Route[] = [...userRoutes, ...roleRoutes, ...queueRoutes];
