import Anser from "anser";

/**
 * A log line as safe HTML: the text is escaped first, so only the colour
 * spans anser adds are markup; a line can never inject elements.
 */
export function ansiLineToHtml(text: string): string {
  return Anser.ansiToHtml(Anser.escapeForHtml(text));
}
