import { useEffect, useState } from "preact/hooks";
import * as api from "../api";
import type { Role } from "../bindings/Role";
import type { StaffMember } from "../bindings/StaffMember";
import { useCommand, validationFault } from "../command";
import { FaultBanner, Field, Select, input } from "../components";
import { t } from "../i18n";

const ROLES: Role[] = ["clerk", "supervisor", "admin"];

/// The administrator's list of the center's staff, and the form to add one.
export function Staff() {
  const [staff, setStaff] = useState<StaffMember[]>([]);
  const [username, setUsername] = useState("");
  const [fullName, setFullName] = useState("");
  const [role, setRole] = useState<Role>("clerk");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const { fault, run, setFault } = useCommand();
  const [added, setAdded] = useState<string | null>(null);

  const load = () => run(api.listStaff).then((listed) => listed.ok && setStaff(listed.value));
  useEffect(() => {
    void load();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setAdded(null);
    if (password !== repeat) {
      setFault(validationFault([{ field: "password_repeat", message: t("err-password-mismatch") }]));
      return;
    }
    const member = await run(() => api.addStaff({ username, full_name: fullName, role, password }));
    if (!member.ok) return;
    setAdded(t("ui-staff-added", { username: member.value.username }));
    setUsername("");
    setFullName("");
    setPassword("");
    setRepeat("");
    await load();
  };

  return (
    <section class="card wide" id="staff">
      <h1>{t("ui-staff-title")}</h1>
      <table class="list" id="staff-list">
        <thead>
          <tr>
            <th>{t("field-username")}</th>
            <th>{t("field-full-name")}</th>
            <th>{t("field-role")}</th>
          </tr>
        </thead>
        <tbody>
          {staff.map((s) => (
            <tr key={s.id} data-username={s.username}>
              <td class="mono">{s.username}</td>
              <td>{s.full_name}</td>
              <td>{t(`role-${s.role}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form id="staff-form" onSubmit={submit}>
        <h2>{t("ui-staff-add")}</h2>
        <FaultBanner fault={fault} />
        {added && (
          <div class="banner ok" role="status">
            {added}
          </div>
        )}
        <div class="grid three">
          <Field name="username" label={t("field-username")} fault={fault}>
            <input id="staff-username" value={username} onInput={input(setUsername)} autocomplete="off" />
          </Field>
          <Field name="full_name" label={t("field-full-name")} fault={fault}>
            <input id="staff-full-name" value={fullName} onInput={input(setFullName)} />
          </Field>
          <Field name="role" label={t("field-role")} fault={fault}>
            <Select id="staff-role" value={role} options={ROLES.map((r) => ({ value: r, label: t(`role-${r}`) }))} onChange={(v) => setRole(v as Role)} />
          </Field>
          <Field name="password" label={t("field-password")} fault={fault}>
            <input id="staff-password" type="password" value={password} onInput={input(setPassword)} autocomplete="new-password" />
          </Field>
          <Field name="password_repeat" label={t("field-password-repeat")} fault={fault}>
            <input id="staff-password-repeat" type="password" value={repeat} onInput={input(setRepeat)} autocomplete="new-password" />
          </Field>
        </div>
        <div class="actions">
          <button type="submit" class="primary" id="staff-submit">
            {t("ui-staff-add")}
          </button>
        </div>
      </form>
    </section>
  );
}
