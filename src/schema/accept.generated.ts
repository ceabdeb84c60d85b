// Generated from the zod schemas in src/schema by accept-codegen.ts (npm run build writes it; a test checks it
// is current). Do not edit. Each function answers whether zod would accept a value; zod words the errors.
import { isPlainObject, rules as R } from './rules.js';

const KEYS0 = new Set(["defaults"]);
const KEYS1 = new Set(["description","image","storage","directory","ephemeral","volatile","boot","command","working_directory","user","autostart","after","requires","hostname","environment","timezone","resolv_conf","network","binds","tmpfs","inaccessible","bind_users","resources","slice","security","devices","users","cloud_init","restart","on_change","nspawn","service"]);
const RE2 = /^(?=.{1,64}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const ONE_OF3 = new Set(["overlay","copy"]);
const ONE_OF4 = new Set(["no","yes","state","overlay"]);
const RE5 = /^[A-Za-z_][A-Za-z0-9_.-]{0,254}$|^\d{1,10}$/;
const RE6 = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ONE_OF7 = new Set(["off","copy","bind","symlink","delete","auto"]);
const ONE_OF8 = new Set(["off","copy-host","copy-static","copy-uplink","copy-stub","replace-host","replace-static","replace-uplink","replace-stub","bind-host","bind-static","bind-uplink","bind-stub","delete","auto"]);
const KEYS9 = new Set(["mode","bridge","zone","macvlan","ipvlan","interfaces","pod","ports"]);
const ONE_OF10 = new Set(["host","none","veth","bridge","zone","macvlan","ipvlan","interface","pod"]);
const RE11 = /^(?:(?:tcp|udp):)?(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;
const KEYS12 = new Set(["source","target","readonly","options"]);
const ONE_OF13 = new Set(["rbind","norbind","idmap","noidmap"]);
const KEYS14 = new Set(["cpu","memory","tasks_max","io"]);
const KEYS15 = new Set(["weight","quota","cpus"]);
const RE16 = /^(?:[1-9]\d*|0\.\d*[1-9]\d*|[1-9]\d*\.\d+)%$/;
const RE17 = /^\d+(?:-\d+)?(?:[, ]\d+(?:-\d+)?)*$/;
const KEYS18 = new Set(["min","low","high","max","swap_max","nodes"]);
const KEYS19 = new Set(["weight","device_weight","read_bandwidth_max","write_bandwidth_max","read_iops_max","write_iops_max"]);
const KEYS20 = new Set(["tier","private_users","private_users_ownership","no_new_privileges","capabilities","system_call_filter","read_only"]);
const ONE_OF21 = new Set(["hardened","strict"]);
const RE22 = /^(?:no|yes|pick|identity|\d+(?::\d+)?)$/;
const ONE_OF23 = new Set(["off","chown","map","auto"]);
const KEYS24 = new Set(["add","drop","ambient"]);
const RE25 = /^~?@?[a-z0-9_-]+$/;
const KEYS26 = new Set(["path","access"]);
const RE27 = /^[rwm]{1,3}$/;
const KEYS28 = new Set(["class","access"]);
const RE29 = /^[A-Za-z_][A-Za-z0-9_-]{0,30}$/;
const KEYS30 = new Set(["ssh_authorized_keys","groups","shell","password_hash","uid"]);
const RE31 = /^\/[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)*$/;
const KEYS32 = new Set(["template","user_data","meta_data","network_config"]);
const RE33 = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ONE_OF34 = new Set(["no","on-success","on-failure","on-abnormal","on-watchdog","on-abort","always"]);
const ONE_OF35 = new Set(["restart","manual"]);
const KEYS36 = new Set(["Exec","Files","Network"]);
const KEYS37 = new Set(["Unit","Service"]);
const KEYS38 = new Set(["description","profiles","image","storage","directory","ephemeral","volatile","boot","command","working_directory","user","autostart","after","requires","hostname","environment","timezone","resolv_conf","network","binds","tmpfs","inaccessible","bind_users","resources","slice","security","devices","users","cloud_init","restart","on_change","nspawn","service"]);
const KEYS39 = new Set(["description","resources","unit"]);
const KEYS40 = new Set(["Unit","Slice"]);
const KEYS41 = new Set(["description","url","path","sha256","format"]);
const RE42 = /^https?:\/\/[A-Za-z0-9._~!&()*+,;=:@%\[\]\-]+(?:[/?#][A-Za-z0-9._~!&()*+,;=:@%\[\]\-/?#]*)?$/;
const RE43 = /^[A-Za-z0-9_.,+=@/-]+$/;
const RE44 = /^[0-9a-f]{64}$/;
const ONE_OF45 = new Set(["tar","raw"]);
const KEYS46 = new Set(["description","ports"]);
const KEYS47 = new Set(["user_data","meta_data","network_config"]);

function check0(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(typeof e === 'string')) return false;
  }
  return true;
}

function check1(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && RE2.test(e)))) return false;
  }
  return true;
}

function check2(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!((typeof k === 'string' && RE6.test(k)))) return false;
    const e = v[k];
    if (!((typeof e === 'string' || (typeof e === 'number' && Number.isFinite(e)) || typeof e === 'boolean'))) return false;
  }
  return true;
}

function check3(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.interfaceName(e)))) return false;
  }
  return true;
}

function check4(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(((typeof e === 'number' && Number.isFinite(e) && Number.isSafeInteger(e) && e >= 1 && e <= 65535) || (typeof e === 'string' && RE11.test(e))))) return false;
  }
  return true;
}

function check5(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS9.has(k)) return false;
  const v0 = v["mode"];
  if (!((v0 === undefined || ONE_OF10.has(v0)))) return false;
  const v1 = v["bridge"];
  if (!((v1 === undefined || (typeof v1 === 'string' && R.interfaceName(v1))))) return false;
  const v2 = v["zone"];
  if (!((v2 === undefined || (typeof v2 === 'string' && R.zoneName(v2))))) return false;
  const v3 = v["macvlan"];
  if (!((v3 === undefined || check3(v3)))) return false;
  const v4 = v["ipvlan"];
  if (!((v4 === undefined || check3(v4)))) return false;
  const v5 = v["interfaces"];
  if (!((v5 === undefined || check3(v5)))) return false;
  const v6 = v["pod"];
  if (!((v6 === undefined || (typeof v6 === 'string' && RE2.test(v6))))) return false;
  const v7 = v["ports"];
  if (!((v7 === undefined || check4(v7)))) return false;
  return true;
}

function check6(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(ONE_OF13.has(e))) return false;
  }
  return true;
}

function check7(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS12.has(k)) return false;
  const v0 = v["source"];
  if (!((typeof v0 === 'string' && R.path(v0)))) return false;
  const v1 = v["target"];
  if (!((v1 === undefined || (typeof v1 === 'string' && R.path(v1))))) return false;
  const v2 = v["readonly"];
  if (!((v2 === undefined || typeof v2 === 'boolean'))) return false;
  const v3 = v["options"];
  if (!((v3 === undefined || check6(v3)))) return false;
  return true;
}

function check8(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(((typeof e === 'string' && R.bindString(e)) || check7(e)))) return false;
  }
  return true;
}

function check9(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.tmpfsEntry(e)))) return false;
  }
  return true;
}

function check10(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.path(e)))) return false;
  }
  return true;
}

function check11(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.bindUser(e)))) return false;
  }
  return true;
}

function check12(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS15.has(k)) return false;
  const v0 = v["weight"];
  if (!((v0 === undefined || (typeof v0 === 'number' && Number.isFinite(v0) && Number.isSafeInteger(v0) && v0 >= 1 && v0 <= 10000)))) return false;
  const v1 = v["quota"];
  if (!((v1 === undefined || (typeof v1 === 'string' && RE16.test(v1))))) return false;
  const v2 = v["cpus"];
  if (!((v2 === undefined || ((typeof v2 === 'number' && Number.isFinite(v2) && Number.isSafeInteger(v2) && v2 >= 0 && v2 <= 9007199254740991) || (typeof v2 === 'string' && RE17.test(v2)))))) return false;
  return true;
}

function check13(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS18.has(k)) return false;
  const v0 = v["min"];
  if (!((v0 === undefined || ((typeof v0 === 'number' && Number.isFinite(v0) && Number.isSafeInteger(v0) && v0 >= 0 && v0 <= 9007199254740991) || (typeof v0 === 'string' && R.memoryLimit(v0)))))) return false;
  const v1 = v["low"];
  if (!((v1 === undefined || ((typeof v1 === 'number' && Number.isFinite(v1) && Number.isSafeInteger(v1) && v1 >= 0 && v1 <= 9007199254740991) || (typeof v1 === 'string' && R.memoryLimit(v1)))))) return false;
  const v2 = v["high"];
  if (!((v2 === undefined || ((typeof v2 === 'number' && Number.isFinite(v2) && Number.isSafeInteger(v2) && v2 >= 0 && v2 <= 9007199254740991) || (typeof v2 === 'string' && R.memoryLimit(v2)))))) return false;
  const v3 = v["max"];
  if (!((v3 === undefined || ((typeof v3 === 'number' && Number.isFinite(v3) && Number.isSafeInteger(v3) && v3 >= 0 && v3 <= 9007199254740991) || (typeof v3 === 'string' && R.memoryLimit(v3)))))) return false;
  const v4 = v["swap_max"];
  if (!((v4 === undefined || ((typeof v4 === 'number' && Number.isFinite(v4) && Number.isSafeInteger(v4) && v4 >= 0 && v4 <= 9007199254740991) || (typeof v4 === 'string' && R.memoryLimit(v4)))))) return false;
  const v5 = v["nodes"];
  if (!((v5 === undefined || ((typeof v5 === 'number' && Number.isFinite(v5) && Number.isSafeInteger(v5) && v5 >= 0 && v5 <= 9007199254740991) || (typeof v5 === 'string' && RE17.test(v5)))))) return false;
  return true;
}

function check14(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!((typeof k === 'string' && R.path(k)))) return false;
    const e = v[k];
    if (!((typeof e === 'number' && Number.isFinite(e) && Number.isSafeInteger(e) && e >= 1 && e <= 10000))) return false;
  }
  return true;
}

function check15(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!((typeof k === 'string' && R.path(k)))) return false;
    const e = v[k];
    if (!(((typeof e === 'number' && Number.isFinite(e) && Number.isSafeInteger(e) && e >= 1 && e <= 9007199254740991) || (typeof e === 'string' && R.bandwidth(e))))) return false;
  }
  return true;
}

function check16(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!((typeof k === 'string' && R.path(k)))) return false;
    const e = v[k];
    if (!(((typeof e === 'number' && Number.isFinite(e) && Number.isSafeInteger(e) && e >= 1 && e <= 9007199254740991) || (typeof e === 'string' && R.iops(e))))) return false;
  }
  return true;
}

function check17(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS19.has(k)) return false;
  const v0 = v["weight"];
  if (!((v0 === undefined || (typeof v0 === 'number' && Number.isFinite(v0) && Number.isSafeInteger(v0) && v0 >= 1 && v0 <= 10000)))) return false;
  const v1 = v["device_weight"];
  if (!((v1 === undefined || check14(v1)))) return false;
  const v2 = v["read_bandwidth_max"];
  if (!((v2 === undefined || check15(v2)))) return false;
  const v3 = v["write_bandwidth_max"];
  if (!((v3 === undefined || check15(v3)))) return false;
  const v4 = v["read_iops_max"];
  if (!((v4 === undefined || check16(v4)))) return false;
  const v5 = v["write_iops_max"];
  if (!((v5 === undefined || check16(v5)))) return false;
  return true;
}

function check18(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS14.has(k)) return false;
  const v0 = v["cpu"];
  if (!((v0 === undefined || check12(v0)))) return false;
  const v1 = v["memory"];
  if (!((v1 === undefined || check13(v1)))) return false;
  const v2 = v["tasks_max"];
  if (!((v2 === undefined || ((typeof v2 === 'number' && Number.isFinite(v2) && Number.isSafeInteger(v2) && v2 >= 1 && v2 <= 9007199254740991) || (typeof v2 === 'string' && R.tasksMax(v2)))))) return false;
  const v3 = v["io"];
  if (!((v3 === undefined || check17(v3)))) return false;
  return true;
}

function check19(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.capability(e)))) return false;
  }
  return true;
}

function check20(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.ambientCapability(e)))) return false;
  }
  return true;
}

function check21(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS24.has(k)) return false;
  const v0 = v["add"];
  if (!((v0 === undefined || check19(v0)))) return false;
  const v1 = v["drop"];
  if (!((v1 === undefined || check19(v1)))) return false;
  const v2 = v["ambient"];
  if (!((v2 === undefined || check20(v2)))) return false;
  return true;
}

function check22(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && RE25.test(e)))) return false;
  }
  return true;
}

function check23(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS20.has(k)) return false;
  const v0 = v["tier"];
  if (!((v0 === undefined || ONE_OF21.has(v0)))) return false;
  const v1 = v["private_users"];
  if (!((v1 === undefined || (typeof v1 === 'boolean' || (typeof v1 === 'number' && Number.isFinite(v1) && Number.isSafeInteger(v1) && v1 >= 0) || (typeof v1 === 'string' && RE22.test(v1)))))) return false;
  const v2 = v["private_users_ownership"];
  if (!((v2 === undefined || ONE_OF23.has(v2)))) return false;
  const v3 = v["no_new_privileges"];
  if (!((v3 === undefined || typeof v3 === 'boolean'))) return false;
  const v4 = v["capabilities"];
  if (!((v4 === undefined || check21(v4)))) return false;
  const v5 = v["system_call_filter"];
  if (!((v5 === undefined || check22(v5)))) return false;
  const v6 = v["read_only"];
  if (!((v6 === undefined || typeof v6 === 'boolean'))) return false;
  return true;
}

function check24(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS26.has(k)) return false;
  const v0 = v["path"];
  if (!((typeof v0 === 'string' && R.deviceNode(v0)))) return false;
  const v1 = v["access"];
  if (!((v1 === undefined || (typeof v1 === 'string' && RE27.test(v1))))) return false;
  return true;
}

function check25(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS28.has(k)) return false;
  const v0 = v["class"];
  if (!((typeof v0 === 'string' && R.deviceClass(v0)))) return false;
  const v1 = v["access"];
  if (!((v1 === undefined || (typeof v1 === 'string' && RE27.test(v1))))) return false;
  return true;
}

function check26(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!(((typeof e === 'string' && R.device(e)) || check24(e) || check25(e)))) return false;
  }
  return true;
}

function check27(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && R.sshKey(e)))) return false;
  }
  return true;
}

function check28(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && RE29.test(e)))) return false;
  }
  return true;
}

function check29(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS30.has(k)) return false;
  const v0 = v["ssh_authorized_keys"];
  if (!((v0 === undefined || check27(v0)))) return false;
  const v1 = v["groups"];
  if (!((v1 === undefined || check28(v1)))) return false;
  const v2 = v["shell"];
  if (!((v2 === undefined || (typeof v2 === 'string' && RE31.test(v2))))) return false;
  const v3 = v["password_hash"];
  if (!((v3 === undefined || (typeof v3 === 'string' && R.passwordHash(v3))))) return false;
  const v4 = v["uid"];
  if (!((v4 === undefined || (typeof v4 === 'number' && Number.isFinite(v4) && Number.isSafeInteger(v4) && v4 >= 1000 && v4 <= 60000)))) return false;
  return true;
}

function check30(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!((typeof k === 'string' && RE29.test(k)))) return false;
    const e = v[k];
    if (!(check29(e))) return false;
  }
  return true;
}

function check31(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!(typeof k === 'string')) return false;
    const e = v[k];
    if (!(true)) return false;
  }
  return true;
}

function check32(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS32.has(k)) return false;
  const v0 = v["template"];
  if (!((v0 === undefined || (typeof v0 === 'string' && RE33.test(v0))))) return false;
  const v1 = v["user_data"];
  if (!((v1 === undefined || check31(v1)))) return false;
  const v2 = v["meta_data"];
  if (!((v2 === undefined || check31(v2)))) return false;
  const v3 = v["network_config"];
  if (!((v3 === undefined || check31(v3)))) return false;
  return true;
}

function check33(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' || (typeof e === 'number' && Number.isFinite(e)) || typeof e === 'boolean'))) return false;
  }
  return true;
}

function check34(v: any): boolean {
  if (!isPlainObject(v)) return false;
  for (const k of Reflect.ownKeys(v)) {
    if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;
    if (!(typeof k === 'string')) return false;
    const e = v[k];
    if (!(((typeof e === 'string' || (typeof e === 'number' && Number.isFinite(e)) || typeof e === 'boolean') || check33(e)))) return false;
  }
  return true;
}

function check35(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS36.has(k)) return false;
  const v0 = v["Exec"];
  if (!((v0 === undefined || check34(v0)))) return false;
  const v1 = v["Files"];
  if (!((v1 === undefined || check34(v1)))) return false;
  const v2 = v["Network"];
  if (!((v2 === undefined || check34(v2)))) return false;
  return true;
}

function check36(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS37.has(k)) return false;
  const v0 = v["Unit"];
  if (!((v0 === undefined || check34(v0)))) return false;
  const v1 = v["Service"];
  if (!((v1 === undefined || check34(v1)))) return false;
  return true;
}

function check37(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS1.has(k)) return false;
  const v0 = v["description"];
  if (!((v0 === undefined || typeof v0 === 'string'))) return false;
  const v1 = v["image"];
  if (!((v1 === undefined || (typeof v1 === 'string' && RE2.test(v1))))) return false;
  const v2 = v["storage"];
  if (!((v2 === undefined || ONE_OF3.has(v2)))) return false;
  const v3 = v["directory"];
  if (!((v3 === undefined || (typeof v3 === 'string' && R.path(v3))))) return false;
  const v4 = v["ephemeral"];
  if (!((v4 === undefined || typeof v4 === 'boolean'))) return false;
  const v5 = v["volatile"];
  if (!((v5 === undefined || (typeof v5 === 'boolean' || ONE_OF4.has(v5))))) return false;
  const v6 = v["boot"];
  if (!((v6 === undefined || typeof v6 === 'boolean'))) return false;
  const v7 = v["command"];
  if (!((v7 === undefined || check0(v7)))) return false;
  const v8 = v["working_directory"];
  if (!((v8 === undefined || (typeof v8 === 'string' && R.path(v8))))) return false;
  const v9 = v["user"];
  if (!((v9 === undefined || (typeof v9 === 'string' && RE5.test(v9))))) return false;
  const v10 = v["autostart"];
  if (!((v10 === undefined || typeof v10 === 'boolean'))) return false;
  const v11 = v["after"];
  if (!((v11 === undefined || check1(v11)))) return false;
  const v12 = v["requires"];
  if (!((v12 === undefined || check1(v12)))) return false;
  const v13 = v["hostname"];
  if (!((v13 === undefined || (typeof v13 === 'string' && RE2.test(v13))))) return false;
  const v14 = v["environment"];
  if (!((v14 === undefined || check2(v14)))) return false;
  const v15 = v["timezone"];
  if (!((v15 === undefined || ONE_OF7.has(v15)))) return false;
  const v16 = v["resolv_conf"];
  if (!((v16 === undefined || ONE_OF8.has(v16)))) return false;
  const v17 = v["network"];
  if (!((v17 === undefined || check5(v17)))) return false;
  const v18 = v["binds"];
  if (!((v18 === undefined || check8(v18)))) return false;
  const v19 = v["tmpfs"];
  if (!((v19 === undefined || check9(v19)))) return false;
  const v20 = v["inaccessible"];
  if (!((v20 === undefined || check10(v20)))) return false;
  const v21 = v["bind_users"];
  if (!((v21 === undefined || check11(v21)))) return false;
  const v22 = v["resources"];
  if (!((v22 === undefined || check18(v22)))) return false;
  const v23 = v["slice"];
  if (!((v23 === undefined || (typeof v23 === 'string' && R.sliceName(v23))))) return false;
  const v24 = v["security"];
  if (!((v24 === undefined || check23(v24)))) return false;
  const v25 = v["devices"];
  if (!((v25 === undefined || check26(v25)))) return false;
  const v26 = v["users"];
  if (!((v26 === undefined || check30(v26)))) return false;
  const v27 = v["cloud_init"];
  if (!((v27 === undefined || check32(v27)))) return false;
  const v28 = v["restart"];
  if (!((v28 === undefined || ONE_OF34.has(v28)))) return false;
  const v29 = v["on_change"];
  if (!((v29 === undefined || ONE_OF35.has(v29)))) return false;
  const v30 = v["nspawn"];
  if (!((v30 === undefined || check35(v30)))) return false;
  const v31 = v["service"];
  if (!((v31 === undefined || check36(v31)))) return false;
  return true;
}

function check38(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS0.has(k)) return false;
  const v0 = v["defaults"];
  if (!((v0 === undefined || check37(v0)))) return false;
  return true;
}

function check39(v: any): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i];
    if (!((typeof e === 'string' && RE33.test(e)))) return false;
  }
  return true;
}

function check40(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS38.has(k)) return false;
  const v0 = v["description"];
  if (!((v0 === undefined || typeof v0 === 'string'))) return false;
  const v1 = v["profiles"];
  if (!((v1 === undefined || check39(v1)))) return false;
  const v2 = v["image"];
  if (!((v2 === undefined || (typeof v2 === 'string' && RE2.test(v2))))) return false;
  const v3 = v["storage"];
  if (!((v3 === undefined || ONE_OF3.has(v3)))) return false;
  const v4 = v["directory"];
  if (!((v4 === undefined || (typeof v4 === 'string' && R.path(v4))))) return false;
  const v5 = v["ephemeral"];
  if (!((v5 === undefined || typeof v5 === 'boolean'))) return false;
  const v6 = v["volatile"];
  if (!((v6 === undefined || (typeof v6 === 'boolean' || ONE_OF4.has(v6))))) return false;
  const v7 = v["boot"];
  if (!((v7 === undefined || typeof v7 === 'boolean'))) return false;
  const v8 = v["command"];
  if (!((v8 === undefined || check0(v8)))) return false;
  const v9 = v["working_directory"];
  if (!((v9 === undefined || (typeof v9 === 'string' && R.path(v9))))) return false;
  const v10 = v["user"];
  if (!((v10 === undefined || (typeof v10 === 'string' && RE5.test(v10))))) return false;
  const v11 = v["autostart"];
  if (!((v11 === undefined || typeof v11 === 'boolean'))) return false;
  const v12 = v["after"];
  if (!((v12 === undefined || check1(v12)))) return false;
  const v13 = v["requires"];
  if (!((v13 === undefined || check1(v13)))) return false;
  const v14 = v["hostname"];
  if (!((v14 === undefined || (typeof v14 === 'string' && RE2.test(v14))))) return false;
  const v15 = v["environment"];
  if (!((v15 === undefined || check2(v15)))) return false;
  const v16 = v["timezone"];
  if (!((v16 === undefined || ONE_OF7.has(v16)))) return false;
  const v17 = v["resolv_conf"];
  if (!((v17 === undefined || ONE_OF8.has(v17)))) return false;
  const v18 = v["network"];
  if (!((v18 === undefined || check5(v18)))) return false;
  const v19 = v["binds"];
  if (!((v19 === undefined || check8(v19)))) return false;
  const v20 = v["tmpfs"];
  if (!((v20 === undefined || check9(v20)))) return false;
  const v21 = v["inaccessible"];
  if (!((v21 === undefined || check10(v21)))) return false;
  const v22 = v["bind_users"];
  if (!((v22 === undefined || check11(v22)))) return false;
  const v23 = v["resources"];
  if (!((v23 === undefined || check18(v23)))) return false;
  const v24 = v["slice"];
  if (!((v24 === undefined || (typeof v24 === 'string' && R.sliceName(v24))))) return false;
  const v25 = v["security"];
  if (!((v25 === undefined || check23(v25)))) return false;
  const v26 = v["devices"];
  if (!((v26 === undefined || check26(v26)))) return false;
  const v27 = v["users"];
  if (!((v27 === undefined || check30(v27)))) return false;
  const v28 = v["cloud_init"];
  if (!((v28 === undefined || check32(v28)))) return false;
  const v29 = v["restart"];
  if (!((v29 === undefined || ONE_OF34.has(v29)))) return false;
  const v30 = v["on_change"];
  if (!((v30 === undefined || ONE_OF35.has(v30)))) return false;
  const v31 = v["nspawn"];
  if (!((v31 === undefined || check35(v31)))) return false;
  const v32 = v["service"];
  if (!((v32 === undefined || check36(v32)))) return false;
  return true;
}

function check41(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS40.has(k)) return false;
  const v0 = v["Unit"];
  if (!((v0 === undefined || check34(v0)))) return false;
  const v1 = v["Slice"];
  if (!((v1 === undefined || check34(v1)))) return false;
  return true;
}

function check42(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS39.has(k)) return false;
  const v0 = v["description"];
  if (!((v0 === undefined || typeof v0 === 'string'))) return false;
  const v1 = v["resources"];
  if (!((v1 === undefined || check18(v1)))) return false;
  const v2 = v["unit"];
  if (!((v2 === undefined || check41(v2)))) return false;
  return true;
}

function check43(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS41.has(k)) return false;
  const v0 = v["description"];
  if (!((v0 === undefined || typeof v0 === 'string'))) return false;
  const v1 = v["url"];
  if (!((v1 === undefined || (typeof v1 === 'string' && RE42.test(v1))))) return false;
  const v2 = v["path"];
  if (!((v2 === undefined || (typeof v2 === 'string' && R.path(v2) && RE43.test(v2))))) return false;
  const v3 = v["sha256"];
  if (!((v3 === undefined || (typeof v3 === 'string' && RE44.test(v3))))) return false;
  const v4 = v["format"];
  if (!((v4 === undefined || ONE_OF45.has(v4)))) return false;
  return true;
}

function check44(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS46.has(k)) return false;
  const v0 = v["description"];
  if (!((v0 === undefined || typeof v0 === 'string'))) return false;
  const v1 = v["ports"];
  if (!((v1 === undefined || check4(v1)))) return false;
  return true;
}

function check45(v: any): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (!KEYS47.has(k)) return false;
  const v0 = v["user_data"];
  if (!((v0 === undefined || check31(v0)))) return false;
  const v1 = v["meta_data"];
  if (!((v1 === undefined || check31(v1)))) return false;
  const v2 = v["network_config"];
  if (!((v2 === undefined || check31(v2)))) return false;
  return true;
}

export const accept = {
  settings: (v: unknown): boolean => check38(v),
  profile: (v: unknown): boolean => check40(v),
  container: (v: unknown): boolean => check40(v),
  slice: (v: unknown): boolean => check42(v),
  image: (v: unknown): boolean => check43(v),
  pod: (v: unknown): boolean => check44(v),
  "cloud-init": (v: unknown): boolean => check45(v),
};
