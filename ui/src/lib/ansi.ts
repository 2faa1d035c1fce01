import Anser from "anser";

/**
 * A log line as safe HTML: the text is escaped first, so only the colour
 * spans anser adds are markup; a line can never inject elements.
 */
export function ansiLineToHtml(text: string): string {
  return Anser.ansiToHtml(Anser.escapeForHtml(text));
}

/** Whether a line has escape sequences to colour; plain lines are drawn as text, without HTML. */
export function hasAnsi(text: string): boolean {
  return text.includes("\u001b");
}
