const {EJSON, deserialize} = require('bson');
const fs=require('fs');
const doc=EJSON.parse(fs.readFileSync(process.argv[2],'utf8'),{relaxed:false});
function desc(v){ if (v===null) return 'null'; if (typeof v!=='object') return typeof v+':'+v; if (v._bsontype==='Binary') return `bin${v.sub_type}(${v.buffer.length})`; if (v._bsontype) return v._bsontype+':'+v.toString(); if (Array.isArray(v)) return '['+v.length+': '+desc(v[0])+']'; return '{'+Object.keys(v).map(k=>k+'='+desc(v[k])).join(', ')+'}'; }
function walk(o,path){
  if (o && o._bsontype==='Binary' && o.sub_type===6){
    const b=o.buffer; const inner=deserialize(b.subarray(1),{promoteValues:false,promoteBuffers:false,bsonRegExp:true});
    console.log(path,'kind',b[0], desc(inner)); return; }
  if (o && typeof o==='object') for (const k of Object.keys(o)) walk(o[k], path+'.'+k);
}
walk(doc,'');
