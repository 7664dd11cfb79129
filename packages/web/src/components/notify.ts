import { notifications } from "@mantine/notifications";
import { errorMessage } from "./QueryState.tsx";

export function notifySuccess(message: string): void {
  notifications.show({ color: "teal", title: "Saved", message, autoClose: 4000 });
}

export function notifyError(error: unknown, title = "That did not work"): void {
  notifications.show({ color: "red", title, message: errorMessage(error), autoClose: 8000 });
}
