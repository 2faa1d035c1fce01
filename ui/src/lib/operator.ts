/** The "acting as" name recorded with fills and decisions, kept between sessions. */
const KEY = "myca.operator";

export function loadOperator(storage: Pick<Storage, "getItem"> = localStorage): string {
  return storage.getItem(KEY) ?? "";
}

export function saveOperator(name: string, storage: Pick<Storage, "setItem"> = localStorage): void {
  storage.setItem(KEY, name.trim());
}
