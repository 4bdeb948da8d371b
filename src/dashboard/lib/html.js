/** `html` tagged templates rendered by preact (htm: JSX-like syntax with no build step). */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
