import type { ComponentChildren } from "preact";
import type { RangeChoice, Workspace } from "../api/analytics.ts";
import { RangePicker } from "./RangePicker.tsx";

/**
 * The top of a screen that reads a range of usage: title, a line under it, the
 * screen's action, the range picker (once the workspace is known) and the
 * screen's error, in the same place on every such screen.
 */
export function ScreenHead({
  title,
  subtitle,
  action,
  workspace,
  range,
  onRange,
  error,
}: {
  title: ComponentChildren;
  subtitle: ComponentChildren;
  action: ComponentChildren;
  workspace: Workspace | null;
  range: RangeChoice;
  onRange: (r: RangeChoice) => void;
  error: string | null;
}) {
  return (
    <>
      <div class="page-head">
        <div>
          <h1>{title}</h1>
          {subtitle}
        </div>
        {action}
      </div>
      {workspace && <RangePicker workspace={workspace} value={range} onChange={onRange} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
