# Issue 13 renames (core helper). Apply with: sed -i -f RENAMES.sed FILES
# hold-down is "hold_down"; reference records keep "hold" (Hold, HoldList, Object::holds).
s/\bHoldSet\b/HoldDownSet/g
s/\bcopy_holds\b/copy_hold_down/g
s/\bpublish_holds\b/publish_hold_down/g
s/\bhold_route(/hold_down_route(/g
s/\bdrop_all_holds\b/drop_all_hold_downs/g
s/\bfire_hold_expiry\b/fire_hold_down_expiry/g
s/\bhas_held_route\b/has_hold_down_route/g
s/\bhas_route_or_hold_in\b/has_route_or_hold_down_in/g
s/\bhold_expiry\b/hold_down_expiry/g
# Dest::holds (an atomic<HoldDownSet*>) -> Dest::hold_down; Object::holds (HoldList) is untouched
s/\bholds\.\(load\|exchange\|store\)(/hold_down.\1(/g
s/protect(\([A-Za-z_]*\)->holds)/protect(\1->hold_down)/g
s/std::atomic<HoldDownSet\*> holds{/std::atomic<HoldDownSet*> hold_down{/g
# one constant per limit
s/\bkMaxRegistrations\b/kMaxNotifyRegistrations/g
# the kind count of per-kind counter arrays (core/object.h)
s/g_allocated\[8\]/g_allocated[kHandleKindCount]/g
s/g_freed\[8\]/g_freed[kHandleKindCount]/g
s/\bheld\[8\]/held[kHandleKindCount]/g
