// piscina worker (thread): echo. A Buffer arrives as a structured-clone copy (Uint8Array).
export function echo(value) {
  return value;
}
export default echo;
